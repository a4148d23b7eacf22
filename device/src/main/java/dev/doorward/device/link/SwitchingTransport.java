package dev.doorward.device.link;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A transport whose TLS identity can change between connections: after a certificate renewal the next
 * connection presents the new certificate while the current one stays up on the old. Transports that no
 * connection can still use are released when the next connection opens, the rest when this one closes.
 */
public final class SwitchingTransport implements Transport {
    private Transport current;
    private final List<Transport> retired = new ArrayList<>();
    private boolean closed;

    public SwitchingTransport(Transport initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    /** The next {@link #connect} uses {@code next}; connections already open keep theirs. */
    public synchronized void switchTo(Transport next) {
        Objects.requireNonNull(next, "next");
        if (closed) {
            next.close();
            return;
        }
        retired.add(current);
        current = next;
    }

    @Override
    public CompletableFuture<Connection> connect(URI uri, Listener listener) {
        Transport use;
        List<Transport> release;
        synchronized (this) {
            // The link opens a connection only after the previous one ended: no connection uses these now.
            release = List.copyOf(retired);
            retired.clear();
            use = current;
        }
        release.forEach(Transport::close);
        return use.connect(uri, listener);
    }

    @Override
    public void close() {
        List<Transport> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(retired);
            all.add(current);
            retired.clear();
        }
        all.forEach(Transport::close);
    }
}

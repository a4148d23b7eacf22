package dev.doorward.device.link;

import dev.doorward.device.thread.AgentThread;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transports (a claim's, a retired link's) released a moment after their last connection closed, so the polite
 * goodbye goes out before the client goes away; whatever is left is released when the agent closes.
 */
public final class TransportReleases {
    private static final Duration GOODBYE = Duration.ofSeconds(2);

    private final AgentThread thread;
    private final Set<Transport> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public TransportReleases(AgentThread thread) {
        this.thread = thread;
    }

    /** A transport in use that must be released at the latest when the agent closes. */
    public void track(Transport transport) {
        waiting.add(transport);
    }

    /** Releases the transport after its connections had a moment to say goodbye. */
    public void retire(Transport transport) {
        waiting.add(transport);
        Runnable release = () -> {
            waiting.remove(transport);
            transport.close();
        };
        if (closed || thread.schedule(release, GOODBYE).isEmpty()) {
            release.run();
        }
    }

    /** Releases everything now (the agent is closing). */
    public void close() {
        closed = true;
        waiting.forEach(Transport::close);
        waiting.clear();
    }
}

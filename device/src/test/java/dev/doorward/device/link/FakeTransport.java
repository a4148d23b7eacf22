package dev.doorward.device.link;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** An in-memory hub end: tests see what the device sent and play the hub's side. */
public final class FakeTransport implements Transport {
    public final List<FakeConnection> connections = new CopyOnWriteArrayList<>();
    public final List<URI> attempts = new CopyOnWriteArrayList<>();
    public volatile boolean refuse;
    public volatile boolean closed;

    @Override
    public CompletableFuture<Connection> connect(URI uri, Listener listener) {
        attempts.add(uri);
        if (refuse) {
            return CompletableFuture.failedFuture(new java.net.ConnectException("refused"));
        }
        FakeConnection connection = new FakeConnection(listener);
        connections.add(connection);
        return CompletableFuture.completedFuture(connection);
    }

    public FakeConnection last() {
        return connections.get(connections.size() - 1);
    }

    @Override
    public void close() {
        closed = true;
    }

    public static final class FakeConnection implements Connection {
        public final List<String> sent = new CopyOnWriteArrayList<>();
        public final List<java.nio.ByteBuffer> sentBinary = new CopyOnWriteArrayList<>();
        private final Listener listener;
        private final AtomicBoolean open = new AtomicBoolean(true);

        FakeConnection(Listener listener) {
            this.listener = listener;
        }

        /** The hub sends {@code text}. */
        public void hub(String text) {
            listener.onText(text);
        }

        /** The hub (or the network) drops the connection. */
        public void drop() {
            end("dropped");
        }

        public boolean isOpen() {
            return open.get();
        }

        @Override
        public void send(String text) {
            if (open.get()) {
                sent.add(text);
            }
        }

        @Override
        public void sendBinary(java.nio.ByteBuffer message) {
            if (open.get()) {
                sentBinary.add(message);
            }
        }

        @Override
        public long queuedBinaryBytes() {
            return 0;
        }

        /** The hub sends a binary message. */
        public void hubBinary(java.nio.ByteBuffer message) {
            listener.onBinary(message);
        }

        @Override
        public void close() {
            end("closed by device");
        }

        @Override
        public void abort() {
            end("aborted by device");
        }

        private void end(String reason) {
            if (open.compareAndSet(true, false)) {
                listener.onClosed(reason);
            }
        }
    }
}

package dev.doorward.device.link;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Opens message connections to a hub. The real one is a TLS 1.3 WebSocket ({@link WebSocketTransport}); tests
 * use an in-memory one, so the link logic is tested without sockets.
 */
public interface Transport extends AutoCloseable {

    CompletableFuture<Connection> connect(URI uri, Listener listener);

    /** Releases what the transport holds (threads, the HTTP client). Open connections are aborted. */
    @Override
    void close();

    /** One open connection. Sends are queued in order. */
    interface Connection {
        void send(String text);

        /** Sends one binary message (a media part), in order with text messages. */
        void sendBinary(ByteBuffer message);

        /** Bytes of binary messages handed to {@link #sendBinary} and not yet written to the network. */
        long queuedBinaryBytes();

        /** A polite close: the peer is told. */
        void close();

        /** Drops the connection at once (dead peer, protocol violation). */
        void abort();
    }

    /** Events of one connection. Called on the transport's threads; implementations hand them off. */
    interface Listener {
        void onText(String text);

        /** A whole binary message (a media part, at most {@code MediaPart.MAX_BYTES}). */
        default void onBinary(ByteBuffer message) {}

        /** The connection ended, for whatever reason; called at most once. */
        void onClosed(String reason);
    }
}

package dev.doorward.device.link;

import java.net.URI;
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

        /** A polite close: the peer is told. */
        void close();

        /** Drops the connection at once (dead peer, protocol violation). */
        void abort();
    }

    /** Events of one connection. Called on the transport's threads; implementations hand them off. */
    interface Listener {
        void onText(String text);

        /** A binary message; ignored by the agent until media frames arrive. */
        default void onBinary(int length) {}

        /** The connection ended, for whatever reason; called at most once. */
        void onClosed(String reason);
    }
}

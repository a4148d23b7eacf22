package dev.doorward.hub.link.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

/** One device's connection as the link logic sees it: send, close, nothing about the server carrying it. */
public interface LinkSocket {
    /** Unique among the hub's open links (not secret, not an identity: the certificate is). */
    String id();

    /** Queues a text message; throws when the link is closed or its peer stopped reading. */
    void sendText(String text) throws IOException;

    /**
     * Queues the same text to each of these links, with one hand-off per network thread rather than one per link
     * (a ring told to every open app of a household). A link that is closed or stopped reading is skipped.
     */
    static void sendTextToEach(List<? extends LinkSocket> sockets, String text) {
        NettyLinkSocket.sendTextToEach(sockets, text);
    }

    /** Queues a binary message (a media part); the buffer is copied before this returns. */
    void sendBinary(ByteBuffer message) throws IOException;

    /**
     * Queues a binary message that nobody changes any more (one media part shared by every viewer), without copying
     * it.
     */
    void sendShared(ByteBuffer readOnly) throws IOException;

    /**
     * Runs the task on this connection's network thread once every write the calling thread made before has been
     * handed to the network, so what the task sends follows them. (Writes from different threads are otherwise in
     * no set order: one from the network thread itself goes at once, ahead of those still queued by others.) At
     * once on the calling thread if the connection is gone.
     */
    void afterQueuedWrites(Runnable task);

    /** Bytes queued for this peer and not yet taken by the network. */
    long pendingBytes();

    /**
     * Where the peer connects from: its own address as a trusted load balancer's PROXY header gave it, or else the
     * TCP peer's. Null once the connection is gone.
     */
    InetSocketAddress clientAddress();

    /** Whom the server's {@link UpgradeGate} admitted this socket as. */
    Object admitted();

    /** Sends a WebSocket close with this code and reason, then closes the connection. Idempotent. */
    void close(CloseReason reason);

    boolean isOpen();

    /** A WebSocket close code (RFC 6455 §7.4) and a short reason a device may log. */
    record CloseReason(int code, String reason) {
        /** The hub is stopping: come back later. */
        public static final CloseReason GOING_AWAY = new CloseReason(1001, "");

        public static final CloseReason PROTOCOL_ERROR = new CloseReason(1002, "");
        public static final CloseReason POLICY_VIOLATION = new CloseReason(1008, "");
        public static final CloseReason TOO_BIG = new CloseReason(1009, "message too big");
        public static final CloseReason SERVER_ERROR = new CloseReason(1011, "");
        public static final CloseReason SERVICE_OVERLOAD = new CloseReason(1013, "");
        /** The peer cannot be relied on (it stopped reading, or a send failed); the code Spring used. */
        public static final CloseReason NOT_RELIABLE = new CloseReason(4500, "");

        public CloseReason withReason(String text) {
            return new CloseReason(code, text);
        }
    }
}

package dev.doorward.hub.live;

import java.nio.ByteBuffer;

/**
 * A browser's live-view WebSocket as the relay sees it, whichever server carries it: the live port's (the fast
 * path) or the browser port's Tomcat (the fallback). Nothing here blocks: messages are queued and written as the
 * browser takes them.
 */
interface ViewerSocket {
    /** Unique among open viewer sockets (not secret). */
    String id();

    void sendText(String json);

    /** A media part shared read-only by every viewer of a doorbell: never changed, never copied. */
    void sendShared(ByteBuffer part);

    /**
     * Runs the task once everything the calling thread sent before is queued ahead of whatever the task sends (the
     * live port: on the connection's network thread; Tomcat: one queue, so at once).
     */
    void afterQueuedWrites(Runnable task);

    /** Bytes queued for the browser and not yet taken by the network: how far behind it is. */
    long queuedBytes();

    /** Closes after what is queued (the reason why, usually) has gone out. */
    void close(int code, String reason);
}

package dev.doorward.hub.live;

import dev.doorward.hub.link.transport.LinkSocket;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A viewer on the live port: writes go straight to its connection, from whichever thread sends (for media, the
 * network thread that read the part from the doorbell). A browser that stops reading is dropped by the server
 * when 2 MiB wait for it; well before that the relay skips frames for it ({@link Viewer#CONGESTED_BYTES}).
 */
final class LivePortViewerSocket implements ViewerSocket {
    private final LinkSocket socket;

    LivePortViewerSocket(LinkSocket socket) {
        this.socket = socket;
    }

    /** Its id among all viewer sockets (Tomcat's ids are of another form). */
    static String idOf(LinkSocket socket) {
        return "live-port-" + socket.id();
    }

    @Override
    public String id() {
        return idOf(socket);
    }

    @Override
    public void sendText(String json) {
        try {
            socket.sendText(json);
        } catch (IOException e) {
            // Closed, or dropped for not reading: the server tells the relay through closed().
        }
    }

    @Override
    public void sendShared(ByteBuffer part) {
        try {
            socket.sendShared(part);
        } catch (IOException e) {
            // as above
        }
    }

    @Override
    public void afterQueuedWrites(Runnable task) {
        socket.afterQueuedWrites(task);
    }

    @Override
    public long queuedBytes() {
        return socket.pendingBytes();
    }

    @Override
    public void close(int code, String reason) {
        socket.close(new LinkSocket.CloseReason(code, reason));
    }
}

package dev.doorward.hub.stream;

import dev.doorward.hub.link.transport.LinkSocket;
import java.io.IOException;

/**
 * A member stream on the live port: a write is queued for the connection's network thread at once (BoringSSL does
 * the TLS there). A browser that stops reading is dropped when 2 MiB wait for it.
 */
record LivePortMemberSocket(LinkSocket socket, String accountId, String browserSession) implements MemberSocket {
    @Override
    public void send(String json) {
        try {
            socket.sendText(json);
        } catch (IOException e) {
            // Closed, or dropped for not reading: the server tells the streams through closed().
        }
    }

    @Override
    public void close(int code, String reason) {
        socket.close(new LinkSocket.CloseReason(code, reason));
    }

    @Override
    public String toString() {
        return "LivePortMemberSocket[" + socket.id() + ", " + accountId + "]";
    }
}

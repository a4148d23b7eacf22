package dev.doorward.hub.liveport;

import dev.doorward.hub.link.transport.LinkSocket;
import java.util.Optional;

/**
 * Whom a browser socket on the live port was opened as: the signed-in account and the browser session (the cookie's
 * id, so the socket closes when that session ends). Never printed whole: the session id is a bearer secret.
 */
public record BrowserAdmission(String accountId, String username, String sessionId) {
    /**
     * Whom the live port's gate admitted this socket as; empty, and the socket closed, if it carries no admission
     * (not reached: the gate opens no socket without one).
     */
    public static Optional<BrowserAdmission> of(LinkSocket socket) {
        if (socket.admitted() instanceof BrowserAdmission who) {
            return Optional.of(who);
        }
        socket.close(LinkSocket.CloseReason.POLICY_VIOLATION);
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "BrowserAdmission[" + accountId + ", [REDACTED]]";
    }
}

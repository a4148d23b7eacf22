package dev.doorward.hub.stream;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;

/**
 * A member stream on the browser port (the app's fallback when it cannot reach the live port): each session has a
 * bounded send buffer and is dropped when a browser stops reading, so a send never holds the caller for long.
 */
final class TomcatMemberSocket implements MemberSocket {
    private static final Logger log = LoggerFactory.getLogger(TomcatMemberSocket.class);
    private static final int SEND_TIME_LIMIT_MS = 2_000;
    private static final int SEND_BUFFER_LIMIT = 256 * 1024;

    private final WebSocketSession session;
    private final String accountId;
    private final String browserSession;

    TomcatMemberSocket(WebSocketSession raw, String accountId, String browserSession) {
        this.session = new ConcurrentWebSocketSessionDecorator(raw, SEND_TIME_LIMIT_MS, SEND_BUFFER_LIMIT);
        this.accountId = accountId;
        this.browserSession = browserSession;
    }

    @Override
    public String accountId() {
        return accountId;
    }

    @Override
    public String browserSession() {
        return browserSession;
    }

    @Override
    public void send(String json) {
        try {
            if (session.isOpen()) {
                session.sendMessage(new TextMessage(json));
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("Dropping a member stream that stopped reading: {}", e.getMessage());
            close(CloseStatus.SESSION_NOT_RELIABLE.getCode(), "");
        }
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(new CloseStatus(code, reason.isEmpty() ? null : reason));
        } catch (IOException | IllegalStateException e) {
            // already gone
        }
    }

    @Override
    public String toString() {
        return "TomcatMemberSocket[" + session.getId() + ", " + accountId + "]";
    }
}

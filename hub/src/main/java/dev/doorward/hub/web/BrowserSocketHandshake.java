package dev.doorward.hub.web;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * {@link BrowserSocketGate} for the browser port's WebSockets: asked before Tomcat upgrades (after Spring Security
 * found a signed-in session), with the cookies as Tomcat parsed them, so the one cookie counted is the one whose
 * session the socket belongs to. A refusal is 403 and nothing else.
 */
@Component
public class BrowserSocketHandshake implements HandshakeInterceptor {
    private final BrowserSocketGate gate;
    private final String cookieName;

    BrowserSocketHandshake(BrowserSocketGate gate, @Value("${server.servlet.session.cookie.name}") String cookieName) {
        this.gate = gate;
        this.cookieName = cookieName;
    }

    @Override
    public boolean beforeHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            Map<String, Object> attributes) {
        if (!(request instanceof ServletServerHttpRequest servlet)) {
            response.setStatusCode(HttpStatus.FORBIDDEN);
            return false;
        }
        HttpServletRequest http = servlet.getServletRequest();
        List<String> values = new ArrayList<>();
        Cookie[] cookies = http.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (cookie.getName().equals(cookieName)) {
                    values.add(cookie.getValue());
                }
            }
        }
        HttpHeaders headers = request.getHeaders();
        boolean admitted = gate.admit(
                        headers.getOrEmpty(HttpHeaders.ORIGIN), headers.getOrEmpty(HttpHeaders.HOST), values)
                // The session the socket gets is the one that cookie names, and it is open.
                .filter(session -> session.equals(http.getRequestedSessionId()) && http.isRequestedSessionIdValid())
                .isPresent();
        if (!admitted) {
            response.setStatusCode(HttpStatus.FORBIDDEN);
        }
        return admitted;
    }

    @Override
    public void afterHandshake(
            ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Exception exception) {}
}

package dev.doorward.hub.stream;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.NoticeChannel;
import dev.doorward.hub.notify.NoticeJson;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.shared.SignedInAccount;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.server.support.HttpSessionHandshakeInterceptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The open app's channel to every signed-in browser ({@code /api/stream}): the {@link Notice}s the notifier lets
 * each member hear. Sending never blocks the
 * caller for long: each session has a bounded send buffer and is dropped when a browser stops reading.
 */
@Component
public class MemberStreams extends TextWebSocketHandler implements NoticeChannel, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(MemberStreams.class);
    private static final int SEND_TIME_LIMIT_MS = 2_000;
    private static final int SEND_BUFFER_LIMIT = 256 * 1024;

    private final Households households;
    private final JsonMapper json = JsonMapper.builder().build();
    /** household id → open sessions of its members. */
    private final Map<String, Set<WebSocketSession>> byHousehold = new ConcurrentHashMap<>();
    /** account id → open sessions of that account. */
    private final Map<String, Set<WebSocketSession>> byAccount = new ConcurrentHashMap<>();
    /** browser session id (the cookie's) → the streams opened with it. */
    private final Map<String, Set<WebSocketSession>> byBrowserSession = new ConcurrentHashMap<>();

    private volatile boolean running;

    public MemberStreams(Households households) {
        this.households = households;
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * An orderly stop closes every stream with "going away" (1001) before the browser port stops (this stops in
     * the same phase as the device and live ports, before the web server), so the app knows the hub is coming back
     * rather than seeing a broken connection.
     */
    @Override
    public void stop() {
        running = false;
        for (Set<WebSocketSession> sessions : byAccount.values()) {
            for (WebSocketSession session : sessions) {
                try {
                    session.close(CloseStatus.GOING_AWAY.withReason("the hub is stopping"));
                } catch (IOException | IllegalStateException e) {
                    // already gone
                }
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession raw) throws IOException {
        SignedInAccount account = accountOf(raw);
        String browserSession = browserSessionOf(raw);
        if (account == null || browserSession == null) {
            raw.close(CloseStatus.POLICY_VIOLATION);
            return;
        }
        WebSocketSession session = new ConcurrentWebSocketSessionDecorator(raw, SEND_TIME_LIMIT_MS, SEND_BUFFER_LIMIT);
        raw.getAttributes().put("decorated", session);
        byBrowserSession
                .computeIfAbsent(browserSession, k -> ConcurrentHashMap.newKeySet())
                .add(session);
        byAccount
                .computeIfAbsent(account.id(), k -> ConcurrentHashMap.newKeySet())
                .add(session);
        for (Households.Membership m : households.membershipsOf(account.id())) {
            byHousehold
                    .computeIfAbsent(m.householdId(), k -> ConcurrentHashMap.newKeySet())
                    .add(session);
        }
        send(session, Map.of("type", "hello"));
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        // Browsers only listen on this channel; "ping" keeps proxies from closing it.
    }

    @Override
    public void afterConnectionClosed(WebSocketSession raw, CloseStatus status) {
        Object decorated = raw.getAttributes().get("decorated");
        if (decorated != null) {
            byHousehold.values().forEach(set -> set.remove(decorated));
            byAccount.values().forEach(set -> set.remove(decorated));
            String browserSession = browserSessionOf(raw);
            if (browserSession != null) {
                byBrowserSession.computeIfPresent(browserSession, (id, set) -> {
                    set.remove(decorated);
                    return set.isEmpty() ? null : set;
                });
            }
        }
    }

    /** A browser session ended (signed out, expired, ended by an admin or with its account): its streams close now. */
    @EventListener
    void sessionEnded(SessionEnded event) {
        Set<WebSocketSession> sessions = byBrowserSession.remove(event.sessionId());
        if (sessions != null) {
            for (WebSocketSession session : sessions) {
                try {
                    session.close(CloseStatus.POLICY_VIOLATION);
                } catch (IOException e) {
                    // already gone
                }
            }
        }
    }

    /** The open app's channel: every open stream of the audience, written once as {@link NoticeJson}. */
    @Override
    public void deliver(Audience audience, Notice notice) {
        switch (audience) {
            case Audience.Household household -> {
                Set<WebSocketSession> sessions = byHousehold.get(household.householdId());
                if (sessions == null || sessions.isEmpty()) {
                    return;
                }
                TextMessage text = new TextMessage(json.writeValueAsString(NoticeJson.of(notice)));
                Map<String, Boolean> decided = new HashMap<>();
                for (WebSocketSession session : sessions) {
                    SignedInAccount account = accountOf(session);
                    if (account != null && decided.computeIfAbsent(account.id(), household.mayHear()::test)) {
                        send(session, text);
                    }
                }
            }
            case Audience.Everyone everyone -> {
                TextMessage text = new TextMessage(json.writeValueAsString(NoticeJson.of(notice)));
                for (Set<WebSocketSession> sessions : byAccount.values()) {
                    for (WebSocketSession session : sessions) {
                        send(session, text);
                    }
                }
            }
            case Audience.Account account -> {
                Set<WebSocketSession> sessions = byAccount.get(account.accountId());
                if (sessions == null || sessions.isEmpty()) {
                    return;
                }
                TextMessage text = new TextMessage(json.writeValueAsString(NoticeJson.of(notice)));
                for (WebSocketSession session : sessions) {
                    send(session, text);
                }
            }
        }
    }

    /**
     * An account left a household: its open sessions stop hearing that household now, and are closed so
     * the browser reconnects with what it still belongs to.
     */
    public void removeFromHousehold(String accountId, String householdId) {
        Set<WebSocketSession> ofAccount = byAccount.getOrDefault(accountId, Set.of());
        Set<WebSocketSession> ofHousehold = byHousehold.get(householdId);
        if (ofHousehold != null) {
            ofHousehold.removeAll(ofAccount);
        }
        closeAccount(accountId);
    }

    /** Ends every open stream of an account (sign-out everywhere, removal from a household). */
    public void closeAccount(String accountId) {
        Set<WebSocketSession> sessions = byAccount.remove(accountId);
        if (sessions != null) {
            for (WebSocketSession session : sessions) {
                try {
                    session.close(CloseStatus.POLICY_VIOLATION);
                } catch (IOException e) {
                    // already gone
                }
            }
        }
    }

    private void send(WebSocketSession session, Map<String, ?> message) {
        send(session, new TextMessage(json.writeValueAsString(message)));
    }

    private void send(WebSocketSession session, TextMessage text) {
        try {
            if (session.isOpen()) {
                session.sendMessage(text);
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("Dropping a member stream that stopped reading: {}", e.getMessage());
            try {
                session.close(CloseStatus.SESSION_NOT_RELIABLE);
            } catch (IOException ignored) {
                // closing a broken session
            }
        }
    }

    /** The browser session the socket was opened with (its handshake copied the id). */
    private static String browserSessionOf(WebSocketSession session) {
        return session.getAttributes().get(HttpSessionHandshakeInterceptor.HTTP_SESSION_ID_ATTR_NAME)
                        instanceof String id
                ? id
                : null;
    }

    private static SignedInAccount accountOf(WebSocketSession session) {
        if (session.getPrincipal() instanceof Authentication auth
                && auth.getPrincipal() instanceof SignedInAccount account) {
            return account;
        }
        return null;
    }
}

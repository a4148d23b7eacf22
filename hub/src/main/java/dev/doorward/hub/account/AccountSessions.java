package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.stereotype.Component;

/**
 * Which signed-in browser sessions each account has, so that all of them can be ended at once (account
 * deletion). Sessions live in the servlet container's memory; this only follows them: a session joins when a
 * security context naming an account is stored in it (sign-in), and leaves when it is invalidated or expires.
 * Invalidating a session also ends the WebSockets opened with it (the container does that). The safety check
 * lists them (when each signed in, when it was last used) and ends one at a time.
 */
@Component
public class AccountSessions implements HttpSessionListener, HttpSessionAttributeListener {
    /** Where Spring Security keeps the security context in a session. */
    private static final String CONTEXT = "SPRING_SECURITY_CONTEXT";

    /** Account id to its sessions, each with when it signed in. */
    private final Map<String, Map<HttpSession, Instant>> byAccount = new ConcurrentHashMap<>();

    private final Clock clock;
    private final ApplicationEventPublisher events;

    AccountSessions(Clock clock, ApplicationEventPublisher events) {
        this.clock = clock;
        this.events = events;
    }

    /** One signed-in session. Its id is the cookie's value: never put it in a response. */
    public record OpenSession(String accountId, String sessionId, Instant signedInAt, Instant lastSeenAt) {
        @Override
        public String toString() {
            return "OpenSession[" + accountId + ", [REDACTED]]";
        }
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent event) {
        follow(event);
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent event) {
        if (!CONTEXT.equals(event.getName())) {
            return;
        }
        // Keep the sign-in time when the same account's context is stored again; another account starts anew.
        String account = accountIn(event.getSession()).orElse(null);
        byAccount.forEach((id, sessions) -> {
            if (!id.equals(account)) {
                sessions.remove(event.getSession());
            }
        });
        byAccount.values().removeIf(Map::isEmpty);
        follow(event);
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent event) {
        if (CONTEXT.equals(event.getName())) {
            forget(event.getSession());
            ended(event.getSession());
        }
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        forget(event.getSession());
        ended(event.getSession());
    }

    private void ended(HttpSession session) {
        String id;
        try {
            id = session.getId();
        } catch (IllegalStateException e) {
            return;
        }
        events.publishEvent(new SessionEnded(id));
    }

    /**
     * The account signed in with the session this cookie value names, if that session is open and not expired: how
     * a server outside the servlet container (the live port) knows who a browser is. Compared in constant time.
     */
    public Optional<SignedInAccount> signedIn(String sessionId) {
        byte[] wanted = sessionId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long now = clock.millis();
        SignedInAccount found = null;
        for (Map<HttpSession, Instant> sessions : byAccount.values()) {
            for (HttpSession session : sessions.keySet()) {
                try {
                    boolean same = Hashes.constantTimeEquals(
                            session.getId().getBytes(java.nio.charset.StandardCharsets.UTF_8), wanted);
                    int maxIdleSeconds = session.getMaxInactiveInterval();
                    boolean current =
                            maxIdleSeconds <= 0 || session.getLastAccessedTime() + maxIdleSeconds * 1000L > now;
                    if (same
                            && current
                            && session.getAttribute(CONTEXT) instanceof SecurityContext context
                            && context.getAuthentication() != null
                            && context.getAuthentication().getPrincipal() instanceof SignedInAccount account) {
                        found = account;
                    }
                } catch (IllegalStateException e) {
                    // invalidated meanwhile
                }
            }
        }
        return Optional.ofNullable(found);
    }

    private void follow(HttpSessionBindingEvent event) {
        if (!CONTEXT.equals(event.getName())) {
            return;
        }
        HttpSession session = event.getSession();
        accountIn(session)
                .ifPresent(account -> byAccount
                        .computeIfAbsent(account, k -> new ConcurrentHashMap<>())
                        .putIfAbsent(session, clock.instant()));
    }

    private static Optional<String> accountIn(HttpSession session) {
        try {
            if (session.getAttribute(CONTEXT) instanceof SecurityContext context
                    && context.getAuthentication() != null
                    && context.getAuthentication().getPrincipal() instanceof SignedInAccount account) {
                return Optional.of(account.id());
            }
        } catch (IllegalStateException e) {
            // invalidated meanwhile
        }
        return Optional.empty();
    }

    private void forget(HttpSession session) {
        byAccount.values().forEach(sessions -> sessions.remove(session));
        byAccount.values().removeIf(Map::isEmpty);
    }

    /** How many sessions of the account are open (for tests). */
    public int count(String accountId) {
        return byAccount.getOrDefault(accountId, Map.of()).size();
    }

    /** The open sessions of an account, oldest sign-in first. */
    public List<OpenSession> of(String accountId) {
        List<OpenSession> open = new ArrayList<>();
        byAccount.getOrDefault(accountId, Map.of()).forEach((session, signedInAt) -> {
            try {
                open.add(new OpenSession(
                        accountId, session.getId(), signedInAt, Instant.ofEpochMilli(session.getLastAccessedTime())));
            } catch (IllegalStateException e) {
                // invalidated meanwhile
            }
        });
        open.sort(java.util.Comparator.comparing(OpenSession::signedInAt));
        return open;
    }

    /**
     * Ends one session of an account, found by its id: its next request is a stranger's (401) and its
     * WebSockets close. False if the account has no such session (any more).
     */
    public boolean end(String accountId, String sessionId) {
        Map<HttpSession, Instant> sessions = byAccount.getOrDefault(accountId, Map.of());
        for (HttpSession session : sessions.keySet()) {
            String id;
            try {
                id = session.getId();
            } catch (IllegalStateException e) {
                continue;
            }
            if (Hashes.constantTimeEquals(id, sessionId)) {
                sessions.remove(session);
                try {
                    session.invalidate();
                } catch (IllegalStateException e) {
                    // already invalidated
                }
                return true;
            }
        }
        return false;
    }

    /** Ends every session of an account: its next request is a stranger's (401). Returns how many ended. */
    public int endAll(String accountId) {
        Map<HttpSession, Instant> open = byAccount.remove(accountId);
        if (open == null) {
            return 0;
        }
        int ended = 0;
        for (HttpSession session : open.keySet()) {
            try {
                session.invalidate();
                ended++;
            } catch (IllegalStateException e) {
                // already invalidated
            }
        }
        return ended;
    }
}

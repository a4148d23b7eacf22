package dev.doorward.hub.account;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.stereotype.Component;

/**
 * Which signed-in browser sessions each account has, so that all of them can be ended at once (account
 * deletion). Sessions live in the servlet container's memory; this only follows them: a session joins when a
 * security context naming an account is stored in it (sign-in), and leaves when it is invalidated or expires.
 * Invalidating a session also ends the WebSockets opened with it (the container does that).
 */
@Component
public class AccountSessions implements HttpSessionListener, HttpSessionAttributeListener {
    /** Where Spring Security keeps the security context in a session. */
    private static final String CONTEXT = "SPRING_SECURITY_CONTEXT";

    private final Map<String, Set<HttpSession>> byAccount = new ConcurrentHashMap<>();

    @Override
    public void attributeAdded(HttpSessionBindingEvent event) {
        follow(event);
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent event) {
        forget(event.getSession());
        follow(event);
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent event) {
        if (CONTEXT.equals(event.getName())) {
            forget(event.getSession());
        }
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent event) {
        forget(event.getSession());
    }

    private void follow(HttpSessionBindingEvent event) {
        if (!CONTEXT.equals(event.getName())) {
            return;
        }
        HttpSession session = event.getSession();
        if (session.getAttribute(CONTEXT) instanceof SecurityContext context
                && context.getAuthentication() != null
                && context.getAuthentication().getPrincipal() instanceof SignedInAccount account) {
            byAccount
                    .computeIfAbsent(account.id(), k -> ConcurrentHashMap.newKeySet())
                    .add(session);
        }
    }

    private void forget(HttpSession session) {
        byAccount.values().forEach(sessions -> sessions.remove(session));
        byAccount.values().removeIf(Set::isEmpty);
    }

    /** How many sessions of the account are open (for tests). */
    public int count(String accountId) {
        return byAccount.getOrDefault(accountId, Set.of()).size();
    }

    /** Ends every session of an account: its next request is a stranger's (401). Returns how many ended. */
    public int endAll(String accountId) {
        Set<HttpSession> sessions = byAccount.remove(accountId);
        if (sessions == null) {
            return 0;
        }
        int ended = 0;
        for (HttpSession session : sessions) {
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

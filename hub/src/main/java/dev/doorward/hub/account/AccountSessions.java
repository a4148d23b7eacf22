package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.hub.shared.BrowserRevoked;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.shared.SignedInAccount;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.web.authentication.session.SessionFixationProtectionEvent;
import org.springframework.session.Session;
import org.springframework.stereotype.Component;

/**
 * Which signed-in browser sessions each account has, and ending them: one, or all of an account's at once. The
 * sessions themselves are in PostgreSQL ({@link SessionStore}), found per account id; ending one publishes
 * {@link SessionEnded}, which closes every socket opened with it. The safety check lists them (when each signed
 * in, when it was last used) and ends one at a time; the live port asks who a session cookie belongs to.
 */
@Component
public class AccountSessions {
    private final SessionStore store;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    private static final long SWEEP_MILLIS = 60_000;

    /** How long the live port's answer for a session may be reused ({@link #signedIn}). */
    static final Duration REMEMBER = Duration.ofSeconds(30);
    /** Beyond this many remembered sessions, answers are looked up each time (memory stays bounded). */
    private static final int REMEMBER_AT_MOST = 10_000;

    private record Remembered(SignedInAccount account, Instant until) {}

    private final Map<String, Remembered> admitted = new ConcurrentHashMap<>();
    /** Counts endings, so a lookup that raced with one does not remember what just ended. */
    private final AtomicLong endings = new AtomicLong();

    private final ClusterChores chores;

    AccountSessions(SessionStore store, Clock clock, ApplicationEventPublisher events, ClusterChores chores) {
        this.chores = chores;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** One signed-in session. Its id is the cookie's value: never put it in a response. */
    public record OpenSession(
            String accountId, String sessionId, Instant signedInAt, Instant lastSeenAt, String browserName) {
        @Override
        public String toString() {
            return "OpenSession[" + accountId + ", [REDACTED]]";
        }
    }

    /**
     * The account signed in with the session this cookie value names, if that session is open and not expired: how
     * a server outside the servlet container (the live port) knows who a browser is.
     *
     * <p>An answer found in the database is remembered for {@link #REMEMBER} (never past the session's own expiry),
     * so a browser opening several views does not wait on a session lookup each time. Every ending of a session
     * — sign-out, the safety check, a revoked browser, a deleted account, expiry, another node's ending relayed
     * here — publishes {@link SessionEnded}, which forgets it at once: an ended session is refused at its next
     * socket as before. Only the ending of a session elsewhere whose relay is lost is remembered longer, for at
     * most {@link #REMEMBER}. Unknown ids are never remembered.
     */
    public Optional<SignedInAccount> signedIn(String sessionId) {
        if (sessionId == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Remembered remembered = admitted.get(sessionId);
        if (remembered != null && now.isBefore(remembered.until())) {
            return Optional.of(remembered.account());
        }
        long endingsBefore = endings.get();
        Session session = store.findById(sessionId);
        if (session == null || !same(session.getId(), sessionId)) {
            return Optional.empty();
        }
        Optional<SignedInAccount> account = SessionStore.accountOf(session);
        if (account.isPresent() && admitted.size() < REMEMBER_AT_MOST) {
            Instant until = SessionStore.expiresAt(session);
            if (until.isAfter(now.plus(REMEMBER))) {
                until = now.plus(REMEMBER);
            }
            admitted.put(sessionId, new Remembered(account.get(), until));
            // A session that ended while it was read is not remembered (the ending may have found nothing to forget).
            if (endings.get() != endingsBefore) {
                admitted.remove(sessionId);
            }
        }
        return account;
    }

    /** Whether {@link #signedIn} would answer for this session from memory, without the database. */
    public boolean remembers(String sessionId) {
        Remembered remembered = sessionId == null ? null : admitted.get(sessionId);
        return remembered != null && clock.instant().isBefore(remembered.until());
    }

    /** Forgets an ended session at once (on every node: other nodes' endings are relayed as this same event). */
    @EventListener
    void forget(SessionEnded ended) {
        endings.incrementAndGet();
        admitted.remove(ended.sessionId());
    }

    /** The open sessions of an account, oldest sign-in first. */
    public List<OpenSession> of(String accountId) {
        List<OpenSession> open = new ArrayList<>();
        for (Session session : store.findByPrincipalName(accountId).values()) {
            if (SessionStore.accountOf(session)
                    .filter(a -> a.id().equals(accountId))
                    .isPresent()) {
                String name = session.getAttribute(SessionStore.BROWSER_NAME);
                open.add(new OpenSession(
                        accountId,
                        session.getId(),
                        SessionStore.signedInAt(session),
                        session.getLastAccessedTime(),
                        name == null ? "Browser" : name));
            }
        }
        open.sort(Comparator.comparing(OpenSession::signedInAt));
        return open;
    }

    /** How many sessions of the account are open. */
    public int count(String accountId) {
        return of(accountId).size();
    }

    /**
     * Ends one session of an account, found by its id: its next request is a stranger's (401) and its sockets
     * close. False if the account has no such session (any more).
     */
    public boolean end(String accountId, String sessionId) {
        for (OpenSession session : of(accountId)) {
            if (same(session.sessionId(), sessionId)) {
                store.deleteById(session.sessionId());
                return true;
            }
        }
        return false;
    }

    /**
     * Ends every session of an account but one (the browser that asked, after its password changed): the others'
     * next requests are a stranger's and their sockets close. Returns how many ended.
     */
    public int endAllBut(String accountId, String keptSessionId) {
        int ended = 0;
        for (OpenSession session : of(accountId)) {
            if (keptSessionId == null || !same(session.sessionId(), keptSessionId)) {
                store.deleteById(session.sessionId());
                ended++;
            }
        }
        return ended;
    }

    /** The id of the request's own session, if it has one (never put it in a response). */
    public static String currentSessionId(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session == null ? null : session.getId();
    }

    /** Ends every session of an account: its next request is a stranger's (401). Returns how many ended. */
    public int endAll(String accountId) {
        List<OpenSession> open = of(accountId);
        open.forEach(session -> store.deleteById(session.sessionId()));
        return open.size();
    }

    /** The sweep, on one node of a cluster per run. */
    @Scheduled(fixedDelay = SWEEP_MILLIS, initialDelay = SWEEP_MILLIS)
    void sweep() {
        // Every node forgets its own out-of-date answers; the sessions themselves are swept by one node.
        Instant now = clock.instant();
        admitted.values().removeIf(remembered -> !now.isBefore(remembered.until()));
        chores.runOnce(Chore.EXPIRED_SESSIONS, Duration.ofMillis(SWEEP_MILLIS), this::endExpired);
    }

    /** Every session past its lifetime ends, and its sockets close. Returns how many. */
    public int endExpired() {
        return store.endExpired();
    }

    /**
     * A successful sign-in (password, passkey or recovery): the absolute lifetime of the browser's session counts
     * from now, and the session is named after the browser's User-Agent for the member's own list.
     */
    public void signedInNow(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.setAttribute(SessionStore.SIGNED_IN_AT, clock.millis());
            session.setAttribute(
                    SessionStore.BROWSER_NAME, BrowserNames.fromUserAgent(request.getHeader("User-Agent")));
        }
    }

    /**
     * The browser client (its keys, registered for the signed-in account) this session is used from: revoking
     * that browser signs it out too. The app says so at each start; only the account's own clients are named here.
     */
    public void usedBy(HttpServletRequest request, String clientId) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.setAttribute(SessionStore.CLIENT_ID, clientId);
        }
    }

    /**
     * A browser was revoked (lost or stolen): every session it is signed in with ends — its next request is a
     * stranger's and its sockets close — while the account's other browsers stay signed in.
     */
    @EventListener
    void browserRevoked(BrowserRevoked revoked) {
        for (Session session : store.findByPrincipalName(revoked.accountId()).values()) {
            if (revoked.clientId().equals(session.getAttribute(SessionStore.CLIENT_ID))) {
                store.deleteById(session.getId());
            }
        }
    }

    /**
     * Signing in again in a signed-in browser gives its session a new id: whatever was opened with the old one
     * closes, and the browser opens it again with the new cookie.
     */
    @EventListener
    void idChanged(SessionFixationProtectionEvent event) {
        events.publishEvent(new SessionEnded(event.getOldSessionId()));
    }

    private static boolean same(String a, String b) {
        return Hashes.constantTimeEquals(a, b);
    }
}

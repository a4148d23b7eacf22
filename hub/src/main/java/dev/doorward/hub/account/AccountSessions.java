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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger log = LoggerFactory.getLogger(AccountSessions.class);

    private final SessionStore store;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    private static final long SWEEP_MILLIS = 60_000;

    /** How long the live port's answer for a session is reused without asking the database again. */
    static final Duration REMEMBER = Duration.ofSeconds(30);
    /** A remembered answer not used (so not looked up again) for this long is forgotten by the sweep. */
    private static final Duration FORGET_UNUSED_AFTER = Duration.ofHours(12);
    /** Beyond this many remembered sessions, answers are looked up each time (memory stays bounded). */
    private static final int REMEMBER_AT_MOST = 10_000;

    /**
     * An answer from the database: fresh until {@code freshUntil}, then still given at once but checked again in the
     * background, until the session's own expiry as read then.
     */
    private record Remembered(SignedInAccount account, Instant freshUntil, Instant expiresAt) {}

    private final Map<String, Remembered> admitted = new ConcurrentHashMap<>();
    /** Sessions being checked again in the background: one check at a time each. */
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
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
     * <p>An answer found in the database is remembered until the session's own expiry, so a member's tap waits on no
     * session lookup once the app's stream was admitted: within {@link #REMEMBER} it is simply given; after that it is
     * given at once and looked up again in the background, and should the session be gone by then, {@link
     * SessionEnded} is published here and whatever was opened with it closes. Every ending of a session — sign-out,
     * the safety check, a revoked browser, a deleted account, expiry, another node's ending relayed here — publishes
     * {@link SessionEnded}, which forgets it at once: an ended session is refused at its next socket as before. So
     * only an ending elsewhere whose relay was lost is still answered from memory, once per {@link #REMEMBER} at
     * most, for the moment its check takes. Unknown ids are never remembered.
     */
    public Optional<SignedInAccount> signedIn(String sessionId) {
        if (sessionId == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Remembered remembered = admitted.get(sessionId);
        if (remembered != null && now.isBefore(remembered.expiresAt())) {
            if (!now.isBefore(remembered.freshUntil())) {
                checkAgain(sessionId);
            }
            return Optional.of(remembered.account());
        }
        return lookUp(sessionId, now);
    }

    /** Whether {@link #signedIn} would answer for this session from memory, without waiting on the database. */
    public boolean remembers(String sessionId) {
        Remembered remembered = sessionId == null ? null : admitted.get(sessionId);
        return remembered != null && clock.instant().isBefore(remembered.expiresAt());
    }

    private Optional<SignedInAccount> lookUp(String sessionId, Instant now) {
        long endingsBefore = endings.get();
        Session session = store.findById(sessionId);
        if (session == null || !same(session.getId(), sessionId)) {
            admitted.remove(sessionId);
            return Optional.empty();
        }
        Optional<SignedInAccount> account = SessionStore.accountOf(session);
        if (account.isEmpty()) {
            admitted.remove(sessionId);
        } else if (admitted.size() < REMEMBER_AT_MOST || admitted.containsKey(sessionId)) {
            Instant expiresAt = SessionStore.expiresAt(session);
            Instant freshUntil = now.plus(REMEMBER);
            admitted.put(
                    sessionId,
                    new Remembered(account.get(), freshUntil.isBefore(expiresAt) ? freshUntil : expiresAt, expiresAt));
            // A session that ended while it was read is not remembered (the ending may have found nothing to forget).
            if (endings.get() != endingsBefore) {
                admitted.remove(sessionId);
            }
        }
        return account;
    }

    /**
     * Looks a remembered session up again off the caller's thread. Gone: published as ended here, which forgets it
     * and closes its sockets (and tells the other nodes, in case theirs missed it too). The database failing: only
     * forgotten, so the next socket waits for a real answer.
     */
    private void checkAgain(String sessionId) {
        if (!checking.add(sessionId)) {
            return;
        }
        Thread.ofVirtual().name("doorward-session-check").start(() -> {
            try {
                if (lookUp(sessionId, clock.instant()).isEmpty()) {
                    events.publishEvent(new SessionEnded(sessionId));
                }
            } catch (RuntimeException e) {
                admitted.remove(sessionId);
                // Only the kind of failure: neither the session id (it signs the browser in) nor a message that might
                // carry it.
                log.warn(
                        "Could not check a remembered browser session again ({}); its next socket waits for the database",
                        e.getClass().getSimpleName());
            } finally {
                checking.remove(sessionId);
            }
        });
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
        // Every node forgets its own answers past their session's expiry, or not used for a while (memory stays
        // with the sessions in use); the sessions themselves are swept by one node.
        Instant now = clock.instant();
        Instant unusedSince = now.minus(FORGET_UNUSED_AFTER);
        admitted.values()
                .removeIf(remembered -> !now.isBefore(remembered.expiresAt())
                        || remembered.freshUntil().isBefore(unusedSince));
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

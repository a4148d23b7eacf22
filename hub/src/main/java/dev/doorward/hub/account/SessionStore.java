package dev.doorward.hub.account;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.shared.SessionEnded;
import dev.doorward.hub.shared.SignedInAccount;
import java.io.ObjectInputFilter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.ConfigurableObjectInputStream;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializingConverter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.session.jdbc.PostgreSqlJdbcIndexedSessionRepositoryCustomizer;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Browser sessions in PostgreSQL (Spring Session JDBC, tables from V8), with the hub's own lifetime rule and the
 * hub's clock: a session lives while it is used at least once per idle period, and never longer than the absolute
 * limit after its sign-in. Spring Session's JDBC store publishes no events, so this is the one place every session
 * ends through (sign-out, the safety check, account deletion, member removal, expiry, an id changed at sign-in),
 * and it publishes {@link SessionEnded} each time: sockets opened with that session close on it. (Spring Session's
 * own rows class is wrapped rather than extended where its session type is not public.)
 */
final class SessionStore implements FindByIndexNameSessionRepository<Session> {
    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);

    /** Where Spring Security keeps the security context in a session. */
    static final String CONTEXT = "SPRING_SECURITY_CONTEXT";
    /** When the session's account signed in (epoch millis, the hub's clock): the absolute limit counts from it. */
    static final String SIGNED_IN_AT = "doorward.signedInAt";
    /** The browser's name at sign-in, from its User-Agent ({@link BrowserNames}), for the member's session list. */
    static final String BROWSER_NAME = "doorward.browserName";
    /** The browser client (its registered keys) the session is used from, once the app said so. */
    static final String CLIENT_ID = "doorward.clientId";

    /** Spring Session's ids are random UUIDs: anything else is never looked up. */
    private static final Pattern WELL_FORMED_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * What a stored session may hold when it is read back: the security context of a signed-in account and plain
     * values. Anything else in a row (written by something other than this hub) is refused, not instantiated.
     */
    private static final ObjectInputFilter READABLE = ObjectInputFilter.Config.createFilter("maxdepth=20;maxrefs=500;"
            + "maxbytes=65536;maxarray=1024;java.lang.*;java.util.*;java.time.*;org.springframework.security.**;"
            + "dev.doorward.hub.shared.SignedInAccount;!*");

    private final Rows rows;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final HubProperties.Sessions lifetimes;
    private final ApplicationEventPublisher events;

    SessionStore(
            JdbcTemplate jdbc,
            TransactionOperations transactions,
            Clock clock,
            HubProperties.Sessions lifetimes,
            ApplicationEventPublisher events,
            ClassLoader classLoader) {
        this.rows = new Rows(jdbc, transactions, events);
        this.jdbc = jdbc;
        this.clock = clock;
        this.lifetimes = lifetimes;
        this.events = events;
        // Expiry follows the hub's clock and ends sockets: the sweep below does it, not Spring Session's own job.
        rows.setCleanupCron(Scheduled.CRON_DISABLED);
        rows.setDefaultMaxInactiveInterval(lifetimes.idle());
        // Sessions are found per account id (a username can change; an id cannot).
        rows.setIndexResolver(session -> accountOf(session)
                .map(account -> Map.of(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, account.id()))
                .orElse(Map.of()));
        GenericConversionService conversion = new GenericConversionService();
        conversion.addConverter(Object.class, byte[].class, new SerializingConverter());
        conversion.addConverter(byte[].class, Object.class, new DeserializingConverter(in -> {
            ConfigurableObjectInputStream objects = new ConfigurableObjectInputStream(in, classLoader);
            objects.setObjectInputFilter(READABLE);
            try {
                return objects.readObject();
            } catch (ClassNotFoundException e) {
                throw new java.io.InvalidClassException(e.getMessage());
            }
        }));
        rows.setConversionService(conversion);
        new PostgreSqlJdbcIndexedSessionRepositoryCustomizer().customize(rows);
    }

    @Override
    public Session createSession() {
        return rows.createSession();
    }

    /**
     * The open session with this id, or null: malformed ids are not looked up, and a session past its lifetime (by
     * the hub's clock) or one whose contents cannot be read is ended here.
     */
    @Override
    public Session findById(String id) {
        if (id == null || !WELL_FORMED_ID.matcher(id).matches()) {
            return null;
        }
        // Ends (through Rows.deleteById) a session that expired by the wall clock as well.
        Session session = rows.findById(id);
        return session == null ? null : current(session);
    }

    /** The session if it is within its lifetime and readable; otherwise it is ended here and this is null. */
    private Session current(Session session) {
        if (!expiresAt(session).isAfter(clock.instant())) {
            deleteById(session.getId());
            return null;
        }
        try {
            session.getAttribute(CONTEXT);
            session.getAttribute(SIGNED_IN_AT);
        } catch (RuntimeException e) {
            // Written by an incompatible hub version, or not by the hub at all: signed out, never a 500.
            log.warn(
                    "A stored browser session could not be read and was ended: {}",
                    e.getClass().getSimpleName());
            deleteById(session.getId());
            return null;
        }
        return session;
    }

    /** Stamps the hub's clock on the session and shortens its idle period where the absolute limit is nearer. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void save(Session session) {
        Instant now = clock.instant();
        if (session.getAttribute(SIGNED_IN_AT) == null && accountOf(session).isPresent()) {
            session.setAttribute(SIGNED_IN_AT, now.toEpochMilli());
        }
        session.setLastAccessedTime(now);
        session.setMaxInactiveInterval(lifetimeLeft(session, now));
        ((SessionRepository) rows).save(session);
    }

    /** The open sessions with this index value (the account id for the principal name), each as findById has it. */
    @Override
    public Map<String, Session> findByIndexNameAndIndexValue(String indexName, String indexValue) {
        Map<String, ? extends Session> found = rows.findByIndexNameAndIndexValue(indexName, indexValue);
        Map<String, Session> open = new HashMap<>();
        for (Map.Entry<String, ? extends Session> entry : found.entrySet()) {
            Session current = current(entry.getValue());
            if (current != null) {
                open.put(entry.getKey(), current);
            }
        }
        return open;
    }

    /** Ends the session: its row goes, and everything opened with it hears {@link SessionEnded}. */
    @Override
    public void deleteById(String id) {
        rows.deleteById(id);
    }

    /** Ends every session past its lifetime by the hub's clock; returns how many. */
    int endExpired() {
        List<String> ended = jdbc.queryForList(
                "delete from spring_session where expiry_time <= ? returning session_id", String.class, clock.millis());
        ended.forEach(id -> events.publishEvent(new SessionEnded(id.strip())));
        return ended.size();
    }

    /** When the session ends unless it is used again (the hub's clock). */
    static Instant expiresAt(Session session) {
        return session.getLastAccessedTime().plus(session.getMaxInactiveInterval());
    }

    /** When the session signed in, if it says (sessions saved by this hub do once signed in). */
    static Instant signedInAt(Session session) {
        Long at = session.getAttribute(SIGNED_IN_AT);
        return at == null ? session.getCreationTime() : Instant.ofEpochMilli(at);
    }

    private Duration lifetimeLeft(Session session, Instant now) {
        Duration idle = lifetimes.idle();
        Long signedInAt = session.getAttribute(SIGNED_IN_AT);
        if (signedInAt == null) {
            return idle;
        }
        Duration left = Duration.between(now, Instant.ofEpochMilli(signedInAt).plus(lifetimes.absolute()));
        if (left.isNegative()) {
            return Duration.ZERO;
        }
        return left.compareTo(idle) < 0 ? left : idle;
    }

    /** The signed-in account a stored session names, if any. */
    static Optional<SignedInAccount> accountOf(Session session) {
        if (session.getAttribute(CONTEXT) instanceof SecurityContext context
                && context.getAuthentication() != null
                && context.getAuthentication().getPrincipal() instanceof SignedInAccount account) {
            return Optional.of(account);
        }
        return Optional.empty();
    }

    /** Spring Session's rows, where every deletion (its own included) tells the hub a session ended. */
    private static final class Rows extends JdbcIndexedSessionRepository {
        private final JdbcTemplate jdbc;
        private final ApplicationEventPublisher events;

        Rows(JdbcTemplate jdbc, TransactionOperations transactions, ApplicationEventPublisher events) {
            super(jdbc, transactions);
            this.jdbc = jdbc;
            this.events = events;
        }

        @Override
        public void deleteById(String id) {
            if (id == null) {
                return;
            }
            if (jdbc.update("delete from spring_session where session_id = ?", id) > 0) {
                events.publishEvent(new SessionEnded(id));
            }
        }
    }
}

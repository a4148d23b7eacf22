package dev.doorward.hub.shared;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;

/**
 * What a ring's fan-out needs to know of a household beyond its members' access (who subscribed to pushes, who set
 * an ntfy topic), remembered so that a ring asks the database nothing: a hundred rings a second made a query per
 * channel each, and a ring should reach phones while PostgreSQL is slow or down.
 *
 * <p>A change forgets everything once it commits ({@link #forgetAll}), so the next ring sees it; the change is
 * announced ({@link HouseholdChannelsChanged}) and other cluster nodes forget too ({@link #forgetNow}). A change
 * nobody announces — through a table the owner of this memory does not write (a membership), or one whose
 * announcement was lost with a node — is seen once the entry is {@code maxAge} old. That is safe because who may
 * hear a ring at all (members, approved browsers, access hours) is decided from {@code roster.MemberAccess}, which
 * every node keeps exact; what is remembered here only says where to send. If the database cannot be read when an
 * entry is old, the old entry is used.
 */
public final class HouseholdMemory<T> {
    private static final Logger log = LoggerFactory.getLogger(HouseholdMemory.class);

    private record Entry<T>(T value, long loadedAtMillis) {}

    private final String what;
    private final Duration maxAge;
    private final Clock clock;
    private final Function<String, T> load;
    private final Runnable announce;
    private final Map<String, Entry<T>> entries = new ConcurrentHashMap<>();
    /** Moves at every change: a load that began before it is used once but not remembered. */
    private final AtomicLong changes = new AtomicLong();

    /**
     * @param what what is remembered, for the log
     * @param load reads one household's value from the database
     * @param announce tells the other cluster nodes, once a change here committed
     */
    public HouseholdMemory(String what, Duration maxAge, Clock clock, Function<String, T> load, Runnable announce) {
        this.what = what;
        this.maxAge = maxAge;
        this.clock = clock;
        this.load = load;
        this.announce = announce;
    }

    /** How long a change nobody announces (a membership's) may go unseen by the ring's channels. */
    public static final Duration CHANNELS_REMEMBERED_FOR = Duration.ofSeconds(2);

    /**
     * What a ring's channel remembers of households (push subscriptions, ntfy topics): a change here is announced as
     * {@link HouseholdChannelsChanged}, which the owner hears (and other nodes relay) and answers with
     * {@link #forgetNow}.
     */
    public static <T> HouseholdMemory<T> ofChannel(
            String what, Clock clock, Function<String, T> load, ApplicationEventPublisher events) {
        return new HouseholdMemory<>(
                what, CHANNELS_REMEMBERED_FOR, clock, load, () -> events.publishEvent(new HouseholdChannelsChanged()));
    }

    public T of(String householdId) {
        long now = clock.millis();
        Entry<T> known = entries.get(householdId);
        if (known != null && now - known.loadedAtMillis() < maxAge.toMillis()) {
            return known.value();
        }
        long before = changes.get();
        T value;
        try {
            value = load.apply(householdId);
        } catch (RuntimeException e) {
            if (known == null) {
                throw e;
            }
            log.warn(
                    "Could not read {} again; using what was read {} ms ago: {}",
                    what,
                    now - known.loadedAtMillis(),
                    e.toString());
            return known.value();
        }
        if (changes.get() == before) {
            entries.put(householdId, new Entry<>(value, now));
        }
        return value;
    }

    /**
     * What is remembered of the household if it was read within the memory's age, without reading anything: for a
     * caller that must not wait for the database (the thread announcing a ring) and can skip work the answer makes
     * needless, such as waking a channel's worker for a household with nothing to send to.
     */
    public Optional<T> ifFresh(String householdId) {
        Entry<T> known = entries.get(householdId);
        return known != null && clock.millis() - known.loadedAtMillis() < maxAge.toMillis()
                ? Optional.of(known.value())
                : Optional.empty();
    }

    /**
     * A change made here: after the current transaction commits (or now, outside one), everything is read again when
     * next needed, and the change is announced.
     */
    public void forgetAll() {
        AfterCommit.run(() -> {
            forgetNow();
            announce.run();
        });
    }

    /** A change announced (here or by another node), already committed: everything is read again when needed. */
    public void forgetNow() {
        changes.incrementAndGet();
        entries.clear();
    }
}

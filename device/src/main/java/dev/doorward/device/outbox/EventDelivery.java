package dev.doorward.device.outbox;

import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.LinkError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when each event in the {@link Outbox} goes to the hub, so that every event is recorded however the
 * hub, its database or the link fail. Confined to the agent thread; it only says what to send, the agent sends.
 *
 * <ul>
 *   <li>After a reconnect the outbox drains at once, oldest first, with at most {@link #WINDOW} events awaiting
 *       their acknowledgement: as fast as the hub stores them, never faster.
 *   <li>A new event (someone at the door now) goes at once, whatever the backlog.
 *   <li>The hub acts on one event with an {@code error} naming it: {@code rate-limited} → sent again after the
 *       wait the hub stated; {@code internal} or {@code not-allowed} → again after a back-off ({@link Retries});
 *       anything else ({@code invalid-field}, {@code malformed} …) can never succeed → dropped and logged.
 *   <li>An event the hub neither acknowledged nor refused within {@link #ACK_TIMEOUT} (a hub that lost it) is sent
 *       again; the hub recognises repeats by event id.
 * </ul>
 */
public final class EventDelivery {
    private static final Logger log = LoggerFactory.getLogger(EventDelivery.class);
    /** Events awaiting the hub's acknowledgement at once during a drain. */
    public static final int WINDOW = 32;
    /** An event unanswered this long is sent again. */
    public static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    /** A rate-limited refusal that says no wait waits this long. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);

    private final Clock clock;
    private final Retries retries;
    /** Sent on the current link and not yet answered, with when. */
    private final Map<String, Instant> inFlight = new HashMap<>();

    private Outbox outbox;
    private boolean linked;
    /** The hub asked the doorbell to wait until then before sending more. */
    private Instant pausedUntil = Instant.MIN;

    private long refusedForGood;

    public EventDelivery(Outbox outbox, Clock clock, RandomGenerator random) {
        this.outbox = outbox;
        this.clock = clock;
        this.retries = new Retries(random);
    }

    /** A wiped data directory comes with a new, empty outbox. */
    public void replaceOutbox(Outbox fresh) {
        outbox = fresh;
        inFlight.clear();
    }

    /** The hub welcomed a link: what to send now (the start of the drain). */
    public List<DeviceEvent> linkUp() {
        linked = true;
        inFlight.clear();
        pausedUntil = Instant.MIN;
        retries.readyNow();
        return due();
    }

    public void linkDown() {
        linked = false;
        inFlight.clear();
    }

    /** A new event is in the outbox: it goes now if the link is up and the hub has not asked for a pause. */
    public Optional<DeviceEvent> added(DeviceEvent event) {
        Instant now = clock.instant();
        if (!linked || now.isBefore(pausedUntil)) {
            return Optional.empty();
        }
        inFlight.put(event.eventId(), now);
        return Optional.of(event);
    }

    /** The hub stored the event: forget it; returns what may go next. */
    public List<DeviceEvent> acknowledged(String eventId) {
        outbox.acknowledge(eventId);
        inFlight.remove(eventId);
        retries.forget(eventId);
        return due();
    }

    /** Whether this refusal is about an event sent on this link (and not, say, about an upload). */
    public boolean concerns(LinkError error) {
        return error.eventId() != null && inFlight.containsKey(error.eventId());
    }

    /** The hub refused an event it names; returns what may go next. */
    public List<DeviceEvent> refused(LinkError error) {
        String eventId = error.eventId();
        if (inFlight.remove(eventId) == null) {
            return List.of();
        }
        Instant now = clock.instant();
        switch (error.code()) {
            case RATE_LIMITED -> {
                Duration wait =
                        error.retryAfterMillis() > 0 ? Duration.ofMillis(error.retryAfterMillis()) : DEFAULT_WAIT;
                Instant until = now.plus(wait);
                if (until.isAfter(pausedUntil)) {
                    pausedUntil = until;
                }
            }
            case INTERNAL, NOT_ALLOWED -> retries.failed(eventId, now);
            default -> {
                // The hub will refuse it however often it comes: resending it forever would block nothing but
                // cost the link; drop it, and say so in the log (without its content).
                log.warn(
                        "The hub refused event {} for good ({}); dropping it",
                        eventId,
                        error.code().wireName());
                refusedForGood++;
                outbox.discard(eventId);
                retries.forget(eventId);
            }
        }
        return due();
    }

    /** Called every second or so: events whose wait is over, or whose answer never came, go again. */
    public List<DeviceEvent> tick() {
        Instant now = clock.instant();
        inFlight.values().removeIf(sentAt -> !now.isBefore(sentAt.plus(ACK_TIMEOUT)));
        return due();
    }

    /** When the hub's requested pause ends; {@link Instant#MIN} when there is none. */
    public Instant pausedUntil() {
        return pausedUntil;
    }

    /** Whether an event is still waiting for the hub (its media waits with it). */
    public boolean waiting(String eventId) {
        return outbox.contains(eventId);
    }

    /** Events the hub refused for good since the agent started. */
    public long refusedForGood() {
        return refusedForGood;
    }

    int inFlight() {
        return inFlight.size();
    }

    /** Oldest first, up to the window, none while paused or unlinked. */
    private List<DeviceEvent> due() {
        Instant now = clock.instant();
        if (!linked || now.isBefore(pausedUntil) || inFlight.size() >= WINDOW) {
            return List.of();
        }
        List<DeviceEvent> send = new ArrayList<>();
        for (DeviceEvent event : outbox.pending()) {
            if (inFlight.size() >= WINDOW) {
                break;
            }
            if (!inFlight.containsKey(event.eventId()) && retries.ready(event.eventId(), now)) {
                inFlight.put(event.eventId(), now);
                send.add(event);
            }
        }
        return send;
    }
}

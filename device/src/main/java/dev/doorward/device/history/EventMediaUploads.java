package dev.doorward.device.history;

import dev.doorward.device.link.LinkClient;
import dev.doorward.device.outbox.Retries;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.MediaStored;
import dev.doorward.protocol.LinkMessage.MediaUpload;
import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the sealed snapshots and clips in the {@link MediaOutbox} to the hub, one at a time: an object waits while
 * its event waits for the hub's acknowledgement (the hub stores media only for events it has), while it backs off
 * after a failure, and while the hub asked for a pause. Runs on the agent thread.
 */
public final class EventMediaUploads {
    private static final Logger log = LoggerFactory.getLogger(EventMediaUploads.class);
    /** An upload the hub has not confirmed by then is sent again. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A rate-limited refusal that says no wait waits this long. */
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);

    private final Path dir;
    private final Clock clock;
    private final AgentThread thread;
    /** Whether an event is still waiting for the hub's acknowledgement (its media waits with it). */
    private final Predicate<String> eventWaiting;
    /** The link if it is up, else null. */
    private final Supplier<LinkClient> connectedLink;
    /** Objects the hub could not store for now ({@code internal}): tried again after a back-off. */
    private final Retries retries;

    /** Replaced (empty) when a completed reset wipes the data directory; read by the media threads. */
    private volatile MediaOutbox outbox;
    /** The hub asked for a pause in uploads until then. */
    private Instant pausedUntil = Instant.MIN;
    /** The upload in flight, and when it started; null when none. */
    private MediaOutbox.Pending uploading;

    private Instant uploadStarted;

    public EventMediaUploads(
            Path dir,
            Clock clock,
            RandomGenerator random,
            AgentThread thread,
            Predicate<String> eventWaiting,
            Supplier<LinkClient> connectedLink) {
        this.dir = dir;
        this.clock = clock;
        this.thread = thread;
        this.eventWaiting = eventWaiting;
        this.connectedLink = connectedLink;
        this.retries = new Retries(random);
        this.outbox = new MediaOutbox(dir, MediaOutbox.DEFAULT_MAX_OBJECTS);
    }

    /** Where sealed objects wait; take it once per event, so a reset in between cannot mix owners' media. */
    public MediaOutbox outbox() {
        return outbox;
    }

    /** The data directory was wiped: a new, empty queue. */
    public void wiped() {
        uploading = null;
        outbox = new MediaOutbox(dir, MediaOutbox.DEFAULT_MAX_OBJECTS);
    }

    /** A new link: everything may go at once again, starting with the oldest waiting object. */
    public void linkUp() {
        retries.readyNow();
        pausedUntil = Instant.MIN;
        uploading = null;
        next();
    }

    /** Live media stopped (link gone): whatever was in flight is sent again on the next link. */
    public void stopped() {
        uploading = null;
    }

    /** Sends the next waiting object (see {@link MediaOutbox#next}) if the link is up and nothing is in flight. */
    public void next() {
        LinkClient link = connectedLink.get();
        if (link == null) {
            return;
        }
        Instant now = clock.instant();
        if (uploading != null && now.isBefore(uploadStarted.plus(TIMEOUT))) {
            return;
        }
        uploading = null;
        if (now.isBefore(pausedUntil)) {
            return;
        }
        Optional<MediaOutbox.Pending> next =
                outbox.next(p -> !eventWaiting.test(p.eventId()) && retries.ready(key(p.eventId(), p.kind()), now));
        if (next.isEmpty()) {
            return;
        }
        byte[] sealed;
        try {
            sealed = next.get().read();
        } catch (IOException e) {
            log.warn("Could not read a waiting event object; dropping it");
            outbox.stored(next.get().eventId(), next.get().kind());
            return;
        }
        uploading = next.get();
        uploadStarted = now;
        link.sendWithParts(
                new MediaUpload(next.get().eventId(), next.get().kind(), sealed.length),
                MediaPart.split(MediaPart.Kind.EVENT_MEDIA, false, sealed));
    }

    /** The hub stored an object: forget it and send the next. */
    public void stored(MediaStored stored) {
        outbox.stored(stored.eventId(), stored.kind());
        retries.forget(key(stored.eventId(), stored.kind()));
        if (uploading != null && uploading.eventId().equals(stored.eventId()) && uploading.kind() == stored.kind()) {
            uploading = null;
        }
        next();
    }

    /** Whether the hub's refusal is about the upload in flight. */
    public boolean concerns(LinkError error) {
        return uploading != null && uploading.eventId().equals(error.eventId());
    }

    /** The hub refused the upload in flight: act on it and go on with the next object at once. */
    public void refused(LinkError error) {
        MediaOutbox.Pending refused = uploading;
        uploading = null;
        Instant now = clock.instant();
        switch (error.code()) {
            case RATE_LIMITED -> {
                Duration wait =
                        error.retryAfterMillis() > 0 ? Duration.ofMillis(error.retryAfterMillis()) : DEFAULT_WAIT;
                pausedUntil = now.plus(wait);
                thread.schedule(this::next, wait);
            }
            case INTERNAL, NOT_ALLOWED -> retries.failed(key(refused.eventId(), refused.kind()), now);
            default -> {
                log.warn(
                        "The hub refused the {} of event {} for good ({}); dropping it",
                        refused.kind().wireName(),
                        refused.eventId(),
                        error.code().wireName());
                outbox.stored(refused.eventId(), refused.kind());
            }
        }
        next();
    }

    /** Objects waiting for the hub. */
    public int pending() {
        return outbox.pending().size();
    }

    private static String key(String eventId, EventMediaKind kind) {
        return eventId + '/' + kind.wireName();
    }
}

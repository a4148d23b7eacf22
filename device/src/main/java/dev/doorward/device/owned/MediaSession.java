package dev.doorward.device.owned;

import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.device.camera.Camera;
import dev.doorward.device.history.EventMediaCapture;
import dev.doorward.device.history.EventMediaUploads;
import dev.doorward.device.link.LinkClient;
import dev.doorward.device.media.AudioDevices;
import dev.doorward.device.media.CongestionGate;
import dev.doorward.device.media.LiveMedia;
import dev.doorward.device.motion.MotionDetector;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.thread.AgentThread;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.Roster;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The camera's work while the device is owned and has a link: live view and talk ({@link LiveMedia}, with its
 * media keys), the camera sampled for the clip buffer and motion, and each event's snapshot and clip. Started and
 * stopped with the link, on the agent thread; {@link #live()} is also read by the link's media threads.
 */
final class MediaSession {
    private final Camera camera;
    private final Clock clock;
    private final SecureRandom random;
    private final Path dataDir;
    private final Path speakerFile;
    private final AudioDevices audio;
    private final AgentThread thread;
    private final EventMediaCapture eventMedia;
    private final EventMediaUploads uploads;
    private final MotionDetector motion;
    private final Duration captureEvery;
    private final Supplier<LinkClient> link;
    private final BiConsumer<EventKind, String> report;

    private ScheduledFuture<?> capturing;
    private volatile LiveMedia media;

    MediaSession(
            Camera camera,
            Clock clock,
            SecureRandom random,
            Path dataDir,
            Path speakerFile,
            AudioDevices audio,
            AgentThread thread,
            EventMediaCapture eventMedia,
            EventMediaUploads uploads,
            MotionDetector motion,
            Duration captureEvery,
            Supplier<LinkClient> link,
            BiConsumer<EventKind, String> report) {
        this.camera = camera;
        this.clock = clock;
        this.random = random;
        this.dataDir = dataDir;
        this.speakerFile = speakerFile;
        this.audio = audio;
        this.thread = thread;
        this.eventMedia = eventMedia;
        this.uploads = uploads;
        this.motion = motion;
        this.captureEvery = captureEvery;
        this.link = link;
        this.report = report;
    }

    boolean running() {
        return media != null;
    }

    /** Live view and talk, or null while not owned and linked. */
    LiveMedia live() {
        return media;
    }

    /** Keys and streams for live view; a first epoch at once when the device already holds a roster. */
    void start(Ownership owned) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory", e);
        }
        media = new LiveMedia(
                owned.deviceId(),
                camera,
                clock,
                random,
                speakerFile,
                audio,
                this::sendMediaKeys,
                // A slow uplink loses whole frames here instead of queueing seconds of video.
                new CongestionGate(
                        part -> {
                            LinkClient current = link.get();
                            if (current != null) {
                                current.sendBinary(part);
                            }
                        },
                        () -> {
                            LinkClient current = link.get();
                            return current == null ? 0 : current.mediaBacklog();
                        },
                        LinkClient.MEDIA_BACKLOG_LIMIT));
        owned.roster().map(Roster::parse).ifPresent(media::rosterAccepted);
        capturing = thread.repeat(this::captureTick, captureEvery, captureEvery);
    }

    void stop() {
        if (capturing != null) {
            capturing.cancel(false);
            capturing = null;
        }
        eventMedia.forget();
        uploads.stopped();
        if (media != null) {
            media.close();
            media = null;
        }
    }

    /** Samples the camera: into the clip buffer, and through the motion detector. */
    private void captureTick() {
        if (media == null) {
            return;
        }
        Instant now = clock.instant();
        BufferedImage small = eventMedia.sample(now);
        motion.offer(small, now)
                .ifPresent(seen ->
                        report.accept(EventKind.MOTION, String.format(Locale.ROOT, "score=%.3f", seen.score())));
    }

    /**
     * After an event is safely in the outbox: its snapshot (now) and clip (the buffered seconds before), sealed
     * to the household and queued for upload.
     */
    void captureEventMedia(String deviceId, String eventId, EventKind kind) {
        LiveMedia live = media;
        if (live == null) {
            return; // not owned and linked yet: no media key, no picture
        }
        eventMedia.capture(
                live, deviceId, eventId, kind, clock.instant(), uploads.outbox(), () -> thread.execute(uploads::next));
    }

    private void sendMediaKeys(List<MediaKeyWrap.Envelope> envelopes) {
        LinkClient current = link.get();
        if (current == null) {
            return;
        }
        for (MediaKeyWrap.Envelope envelope : envelopes) {
            current.send(LinkMessage.MediaKey.of(
                    envelope.context().mediaEpoch(),
                    envelope.context().clientId(),
                    envelope.context().slot(),
                    envelope.ephemeralKey(),
                    envelope.nonce(),
                    envelope.wrapped()));
        }
    }
}

package dev.doorward.device.media;

import dev.doorward.crypto.media.MediaKeyWrap.Envelope;
import dev.doorward.device.camera.Camera;
import dev.doorward.protocol.Roster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything live on an owned doorbell, in one place for the agent: the media epochs (keys), the streamer
 * (camera and microphone out) and the talk receiver (speaker in). The agent tells it about rosters, viewers,
 * binary messages and the time; it hands key envelopes and sealed parts to the link.
 */
public final class LiveMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveMedia.class);

    private final MediaEpochs epochs;
    private final VideoEncoder encoder;
    private final LiveStreamer streamer;
    private final Speaker speaker;
    private final TalkReceiver talk;
    private final Consumer<List<Envelope>> keysOut;
    private final Clock clock;
    /** The envelopes of the current epoch, sent again whenever the link comes back. */
    private volatile List<Envelope> envelopes = List.of();

    /**
     * @param speakerFile where what members say at the door is written (a WAV file) when there is no speaker
     * @param audio a real microphone and speaker, or null (the simulator's)
     * @param keysOut sends key envelopes to the hub (called on the caller's thread)
     * @param mediaOut sends one binary part to the hub (called on the streamer's threads)
     */
    public LiveMedia(
            String deviceId,
            Camera camera,
            Clock clock,
            SecureRandom random,
            Path speakerFile,
            AudioDevices audio,
            Consumer<List<Envelope>> keysOut,
            Consumer<ByteBuffer> mediaOut) {
        this.clock = clock;
        this.keysOut = keysOut;
        this.epochs = new MediaEpochs(deviceId, clock, random);
        this.encoder = encoder();
        LiveStreamer.Builder live = LiveStreamer.builder(camera, encoder, epochs, mediaOut)
                .microphone(
                        audio != null && audio.microphone() != null
                                ? audio.microphone()
                                : new SyntheticMicrophone(clock))
                .clock(clock);
        if (camera instanceof VideoFeed feed) {
            live.feed(feed); // a real camera brings its own H.264 (docs/hardware.md)
        }
        this.streamer = live.build();
        try {
            this.speaker = audio != null && audio.speaker() != null ? audio.speaker() : new WavSpeaker(speakerFile);
        } catch (IOException e) {
            streamer.close();
            encoder.close();
            throw new UncheckedIOException("cannot open the speaker file", e);
        }
        this.talk = new TalkReceiver(epochs, speaker);
    }

    /**
     * The configured encoder, or the pure-Java one when it cannot be used: a misconfigured encoder must not keep
     * the doorbell off its hub (rings, door, history do not need it).
     */
    private static VideoEncoder encoder() {
        try {
            return VideoEncoders.configured();
        } catch (IllegalArgumentException e) {
            log.error(
                    "Video encoder '{}' cannot be used ({}); using the pure-Java one",
                    VideoEncoders.configuredChoice(),
                    e.getMessage());
            return VideoEncoders.create(VideoEncoders.JCODEC);
        }
    }

    /** A roster was accepted (or loaded at start-up): a new epoch, wrapped to exactly its members. */
    public void rosterAccepted(Roster roster) {
        publish(epochs.rotate(roster));
    }

    /** The periodic check: a new epoch once a day, or when a member's validity ends. */
    public void tick() {
        if (epochs.currentEpoch().isPresent() && epochs.needsRotation(clock.instant())) {
            publish(epochs.rotate());
        }
    }

    /** The link is up again: the hub may have missed the latest envelopes. */
    public void linkUp() {
        if (!envelopes.isEmpty()) {
            keysOut.accept(envelopes);
        }
    }

    /** Nobody can watch while the link is down. */
    public void linkDown() {
        streamer.setViewers(0);
    }

    public void viewers(int count) {
        streamer.setViewers(count);
    }

    /** A binary message from the hub: talk from a member's browser. */
    public void received(ByteBuffer message) {
        talk.accept(message);
    }

    /**
     * Seals an event's snapshot or clip with the current epoch's still sender (slot 2), bound to
     * {@code associatedData}; empty when there is no epoch yet (no roster: no key, so no picture).
     */
    public Optional<byte[]> sealStill(byte[] plaintext, byte[] associatedData) {
        Optional<MediaEpochs.Senders> senders = epochs.current();
        if (senders.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(senders.get().still().seal(associatedData, plaintext));
        } catch (dev.doorward.crypto.sframe.SFrameException e) {
            log.warn("Could not seal an event's media: {}", e.getMessage());
            return Optional.empty();
        }
    }

    public Optional<Long> currentEpoch() {
        return epochs.currentEpoch();
    }

    /** For tests and the simulator: how much talk was played, and the streamer's counters. */
    public long talkFramesPlayed() {
        return talk.played();
    }

    public LiveStreamer.Stats streamStats() {
        return streamer.stats();
    }

    private void publish(List<Envelope> next) {
        envelopes = List.copyOf(next);
        log.info(
                "New media epoch {} for {} member browsers",
                epochs.currentEpoch().orElse(0L),
                next.size());
        keysOut.accept(envelopes);
    }

    @Override
    public void close() {
        streamer.close();
        encoder.close();
        if (speaker instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("Speaker did not close cleanly: {}", e.getMessage());
            }
        }
    }
}

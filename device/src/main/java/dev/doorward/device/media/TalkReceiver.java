package dev.doorward.device.media;

import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameException;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talk from a member's browser to the doorbell's speaker (docs/media.md "Talk"). Takes the binary messages
 * the hub forwards, accepts only kind-3 (talk) parts, joins them, reads the SFrame KID, and opens the frame
 * with the key of that talk slot in that epoch (current, or previous within the grace period), through a
 * receiver with a replay window. Whatever does not open is refused: dropped and counted, never thrown back
 * at the link, never logged with its content, never played. The hub only forwards talk from authorized
 * viewers, but nothing here depends on that: an unknown slot or epoch is as dead as a bad tag.
 *
 * <p>Thread-safe; meant to run on the link's receiving thread (opening a 20 ms frame takes microseconds).
 */
public final class TalkReceiver {
    private static final Logger log = LoggerFactory.getLogger(TalkReceiver.class);

    /** Talk frames are small (header, 8-byte time, 640 bytes of PCM, tag); anything bigger is refused early. */
    static final int MAX_FRAME_BYTES = 1024;

    static final int PLAINTEXT_BYTES = Long.BYTES + Microphone.FRAME_BYTES;

    /** Why a message or frame was dropped. */
    public enum Refusal {
        /** A part of another kind (video or audio only flows doorbell → hub). */
        NOT_TALK,
        /** Not a media part at all: empty, oversized, unknown kind or flags. */
        MALFORMED_PART,
        /** Parts out of order, or a frame larger than a talk frame can be. */
        BROKEN_FRAME,
        /** The frame's SFrame header is not well formed or the frame is shorter than a tag. */
        MALFORMED_FRAME,
        /** The KID names no talk slot of an epoch this doorbell still accepts. */
        UNKNOWN_KEY,
        /** The tag did not verify. */
        BAD_TAG,
        /** The counter was already used or is older than the replay window. */
        REPLAYED,
        /** Opened, but not 8 bytes of time and 640 bytes of PCM. */
        BAD_LENGTH,
        /** The speaker failed to play it. */
        SPEAKER_FAILED
    }

    private final MediaEpochs epochs;
    private final Speaker speaker;
    private final MediaPart.Assembler assembler = new MediaPart.Assembler(MAX_FRAME_BYTES);
    private final Map<Refusal, Long> refusals = new EnumMap<>(Refusal.class);
    private long played;
    private long lastCaptureTime;

    public TalkReceiver(MediaEpochs epochs, Speaker speaker) {
        this.epochs = Objects.requireNonNull(epochs, "epochs");
        this.speaker = Objects.requireNonNull(speaker, "speaker");
    }

    /**
     * One binary message from the hub. Returns true if it completed a talk frame that was played; never
     * throws.
     */
    public synchronized boolean accept(ByteBuffer message) {
        MediaPart part;
        try {
            part = MediaPart.decode(message);
        } catch (RuntimeException e) {
            return refuse(Refusal.MALFORMED_PART);
        }
        if (part.kind() != MediaPart.Kind.TALK) {
            return refuse(Refusal.NOT_TALK);
        }
        byte[] frame;
        try {
            frame = assembler.add(part);
        } catch (IllegalArgumentException e) {
            return refuse(Refusal.BROKEN_FRAME);
        }
        if (frame == null) {
            return false;
        }
        return open(frame);
    }

    private boolean open(byte[] frame) {
        long kid;
        try {
            kid = SFrameHeader.decode(frame).kid();
        } catch (IllegalArgumentException e) {
            return refuse(Refusal.MALFORMED_FRAME);
        }
        Optional<Receiver> receiver = epochs.talkReceiver(kid);
        if (receiver.isEmpty()) {
            return refuse(Refusal.UNKNOWN_KEY);
        }
        byte[] plaintext;
        try {
            plaintext = receiver.get().open(frame, null);
        } catch (SFrameException e) {
            return refuse(
                    switch (e.reason()) {
                        case MALFORMED -> Refusal.MALFORMED_FRAME;
                        case UNKNOWN_KEY -> Refusal.UNKNOWN_KEY;
                        case REPLAYED, TOO_OLD -> Refusal.REPLAYED;
                        default -> Refusal.BAD_TAG;
                    });
        }
        if (plaintext.length != PLAINTEXT_BYTES) {
            Arrays.fill(plaintext, (byte) 0);
            return refuse(Refusal.BAD_LENGTH);
        }
        lastCaptureTime = ByteBuffer.wrap(plaintext).getLong();
        byte[] pcm = Arrays.copyOfRange(plaintext, Long.BYTES, plaintext.length);
        try {
            speaker.play(pcm);
        } catch (RuntimeException e) {
            log.warn("speaker failed: {}", e.getClass().getSimpleName());
            return refuse(Refusal.SPEAKER_FAILED);
        }
        played++;
        return true;
    }

    private boolean refuse(Refusal reason) {
        long count = refusals.merge(reason, 1L, Long::sum);
        // Only the reason and how often; powers of two so a flood does not flood the log.
        if (Long.bitCount(count) == 1) {
            log.info("talk refused ({}), {} so far", reason, count);
        }
        return false;
    }

    /** Talk frames played so far. */
    public synchronized long played() {
        return played;
    }

    /** Refusals so far by reason (only reasons that occurred). */
    public synchronized Map<Refusal, Long> refusals() {
        return Map.copyOf(refusals);
    }

    public synchronized long refused(Refusal reason) {
        return refusals.getOrDefault(reason, 0L);
    }

    /** The sender's capture time of the last frame played (epoch millis), for latency display; 0 if none. */
    public synchronized long lastCaptureTime() {
        return lastCaptureTime;
    }
}

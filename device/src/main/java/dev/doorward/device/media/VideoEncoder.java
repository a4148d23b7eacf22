package dev.doorward.device.media;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Turns camera pictures into H.264 Baseline access units in Annex B form, the format docs/media.md puts
 * inside every sealed video frame. An interface so that an external encoder (ffmpeg, hardware) can replace
 * the pure-Java default ({@link JcodecVideoEncoder}) without touching the streamer ({@link VideoEncoders}
 * chooses one). Not thread-safe: one thread encodes one stream; {@link #close()} may come from another.
 */
public interface VideoEncoder extends AutoCloseable {

    /**
     * Encodes one picture. Every keyframe is an IDR access unit that starts with SPS and PPS, so a viewer can
     * start decoding there with no out-of-band configuration.
     *
     * @param forceKeyframe encode an IDR frame now (a new viewer, a new epoch) whatever the interval says
     */
    EncodedFrame encode(BufferedImage image, boolean forceKeyframe);

    /** Releases what the encoder holds (an external process); nothing for a pure-Java encoder. */
    @Override
    default void close() {}

    /** One access unit (Annex B: start codes, then NAL units) and whether it is an IDR keyframe. */
    record EncodedFrame(byte[] accessUnit, boolean keyframe) {
        public EncodedFrame {
            Objects.requireNonNull(accessUnit, "accessUnit");
        }

        @Override
        public String toString() {
            return "EncodedFrame[" + accessUnit.length + " bytes" + (keyframe ? ", keyframe" : "") + "]";
        }
    }
}

package dev.doorward.device.media;

import dev.doorward.device.media.VideoEncoder.EncodedFrame;
import java.time.Duration;

/**
 * Video that arrives already encoded, at the camera's own pace: an H.264 camera passed through without
 * re-encoding, or an ffmpeg process that encodes as it captures. The streamer takes every access unit in
 * order (a skipped one would break the reference chain), so the feed decides where a viewer may start.
 */
public interface VideoFeed {

    /**
     * The next access unit, waiting up to {@code timeout} for it; null when none came in time.
     *
     * @param fromKeyframe the consumer needs a keyframe (a new session, a new key, a lost frame): the feed
     *     returns the keyframe of the GOP under way if the consumer has none of it yet, else the next one
     */
    Frame next(boolean fromKeyframe, Duration timeout) throws InterruptedException;

    /** One access unit and when the agent received it (epoch millis). */
    record Frame(EncodedFrame encoded, long receivedAt) {}
}

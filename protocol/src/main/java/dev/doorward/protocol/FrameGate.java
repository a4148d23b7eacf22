package dev.doorward.protocol;

import java.util.function.BooleanSupplier;

/**
 * The one rule for dropping live media when the receiver falls behind (docs/media.md): whole frames, never parts of
 * one, and after a dropped video frame every following one until the next keyframe, so a decoder never gets a broken
 * reference chain and nobody builds up seconds of delay. The doorbell applies it to its uplink, the hub to each
 * viewer. Not thread-safe: a stream's parts come back to back from one thread.
 */
public final class FrameGate {
    /** Above every {@link MediaPart.Kind#code()}. */
    private static final int KINDS = 8;

    private final BooleanSupplier congested;
    // Per media kind: inside a frame whose first part this gate saw, and whether that frame passes.
    private final boolean[] inFrame = new boolean[KINDS];
    private final boolean[] passing = new boolean[KINDS];
    private boolean needKeyframe;

    /**
     * @param congested asked at the first part of each frame: true drops that whole frame
     * @param startWithKeyframe whether video waits for a keyframe before its first frame passes (a viewer that joins a
     *     running stream)
     */
    public FrameGate(BooleanSupplier congested, boolean startWithKeyframe) {
        this.congested = congested;
        this.needKeyframe = startWithKeyframe;
    }

    /** Whether this part passes. A part of a frame whose first part the gate never saw does not. */
    public boolean pass(MediaPart.Kind kind, boolean first, boolean last, boolean keyframe) {
        int k = kind.code();
        if (first) {
            inFrame[k] = true;
            boolean video = kind == MediaPart.Kind.VIDEO;
            boolean full = congested.getAsBoolean();
            if (video && needKeyframe && !keyframe) {
                passing[k] = false;
            } else if (full) {
                passing[k] = false;
                if (video) {
                    needKeyframe = true;
                }
            } else {
                passing[k] = true;
                if (video) {
                    needKeyframe = false;
                }
            }
        } else if (!inFrame[k]) {
            return false;
        }
        if (last) {
            inFrame[k] = false;
        }
        return passing[k];
    }
}

package dev.doorward.device.history;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/** The last few seconds of (small) camera frames, so an event's clip can show what led up to it. */
public final class FrameBuffer {
    /** One frame and when it was taken. */
    public record Frame(BufferedImage image, Instant at) {}

    private final Duration keep;
    private final int maxFrames;
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();

    /** Keeps frames younger than {@code keep}, and never more than {@code maxFrames} (a clock may stand still). */
    public FrameBuffer(Duration keep, int maxFrames) {
        this.keep = keep;
        this.maxFrames = maxFrames;
    }

    public synchronized void add(BufferedImage image, Instant at) {
        frames.addLast(new Frame(image, at));
        while (frames.size() > maxFrames
                || (!frames.isEmpty() && frames.peekFirst().at().isBefore(at.minus(keep)))) {
            frames.removeFirst();
        }
    }

    /** The frames held now, oldest first. */
    public synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    public synchronized void clear() {
        frames.clear();
    }
}

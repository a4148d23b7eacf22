package dev.doorward.device.media;

import dev.doorward.protocol.FrameGate;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Between the streamer and a slow uplink: when the link's send queue is over the limit, frames are dropped by
 * the {@link FrameGate} rule (whole frames, then video until the next keyframe), so viewers never get a broken
 * reference chain and the doorbell never builds up seconds of delay.
 * Called from the streamer's threads, one frame's parts back to back.
 */
public final class CongestionGate implements Consumer<ByteBuffer> {
    private final Consumer<ByteBuffer> link;
    private final FrameGate gate;
    private long droppedFrames;

    public CongestionGate(Consumer<ByteBuffer> link, LongSupplier backlog, long limit) {
        this.link = link;
        this.gate = new FrameGate(() -> backlog.getAsLong() > limit, false);
    }

    @Override
    public synchronized void accept(ByteBuffer message) {
        MediaPart part = MediaPart.decode(message);
        if (gate.pass(part.kind(), part.first(), part.last(), part.keyframe())) {
            link.accept(message);
        } else if (part.first()) {
            droppedFrames++;
        }
    }

    public synchronized long droppedFrames() {
        return droppedFrames;
    }
}

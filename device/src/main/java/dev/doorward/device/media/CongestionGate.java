package dev.doorward.device.media;

import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Between the streamer and a slow uplink: when the link's send queue is over the limit, whole frames are
 * dropped — never parts of one — and after a dropped video frame the following ones too until the next
 * keyframe, so viewers never get a broken reference chain and the doorbell never builds up seconds of delay.
 * Called from the streamer's threads, one frame's parts back to back.
 */
public final class CongestionGate implements Consumer<ByteBuffer> {
    private final Consumer<ByteBuffer> link;
    private final LongSupplier backlog;
    private final long limit;
    // One flag set per media kind (indexed by MediaPart.Kind.code()).
    private final boolean[] dropping = new boolean[8];
    private boolean needKeyframe;
    private long droppedFrames;

    public CongestionGate(Consumer<ByteBuffer> link, LongSupplier backlog, long limit) {
        this.link = link;
        this.backlog = backlog;
        this.limit = limit;
    }

    @Override
    public synchronized void accept(ByteBuffer message) {
        MediaPart part = MediaPart.decode(message);
        int kind = part.kind().code();
        boolean video = part.kind() == MediaPart.Kind.VIDEO;
        if (part.first()) {
            boolean congested = backlog.getAsLong() > limit;
            if (congested || (video && needKeyframe && !part.keyframe())) {
                dropping[kind] = true;
                droppedFrames++;
                if (video) {
                    needKeyframe = true;
                }
            } else {
                dropping[kind] = false;
                if (video) {
                    needKeyframe = false;
                }
            }
        }
        if (!dropping[kind]) {
            link.accept(message);
        }
    }

    public synchronized long droppedFrames() {
        return droppedFrames;
    }
}

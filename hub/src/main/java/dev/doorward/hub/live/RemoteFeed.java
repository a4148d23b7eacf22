package dev.doorward.hub.live;

import dev.doorward.protocol.FrameGate;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A doorbell linked here, watched from other nodes: its parts go out once, on the doorbell's own NATS subject, for
 * every node that wants them. It loses whole frames when NATS falls behind (the {@link FrameGate} rule, as a slow
 * browser does), so what the other nodes relay always decodes.
 */
final class RemoteFeed implements LiveSink {
    /** Like one browser's limit: about a second of video waiting for NATS. */
    static final long CONGESTED_BYTES = Viewer.CONGESTED_BYTES;

    private final RemoteLive.Publisher publisher;
    /** Only used by the network thread serving the doorbell's link. */
    private final FrameGate gate;
    /** How many browsers on other nodes watch, together: part of the count the doorbell hears. */
    volatile int viewers;

    /** Whether parts wait in {@link #held}: while {@link #holds} is above 0 (a media key on its way). */
    private volatile boolean holding;
    /** Guarded by this. */
    private int holds;
    /** Guarded by this. */
    private final List<ByteBuffer> held = new ArrayList<>();
    /** What {@link #held} holds, counted as NATS's backlog by the gate. */
    private volatile long heldBytes;

    RemoteFeed(RemoteLive.Publisher publisher, int viewers) {
        this.publisher = publisher;
        this.viewers = viewers;
        // The feed joins a running stream: it starts at a keyframe (the doorbell re-sends its GOP as the count grows).
        this.gate = new FrameGate(() -> publisher.backlogBytes() + heldBytes > CONGESTED_BYTES, true);
    }

    /** A part from the doorbell (the read-only copy all sinks share, kept as it is while held). */
    @Override
    public void media(ByteBuffer part, MediaPart.Kind kind, boolean first, boolean last, boolean keyframe) {
        if (!gate.pass(kind, first, last, keyframe)) {
            return;
        }
        if (holding) {
            synchronized (this) {
                if (holding) {
                    held.add(part);
                    heldBytes += part.remaining();
                    return;
                }
            }
        }
        publisher.publish(part);
    }

    /**
     * Until as many {@link #release}s, parts wait here: a media key is on its way to the other nodes, in band, and
     * the parts sealed under it must follow it ({@code LiveViews#holdForKey}).
     */
    synchronized void hold() {
        holds++;
        holding = true;
    }

    /** After the last hold, sends what waited, in order; NATS keeps the order of what is published after it. */
    synchronized void release() {
        if (--holds == 0) {
            held.forEach(publisher::publish);
            held.clear();
            heldBytes = 0;
            holding = false;
        }
    }
}

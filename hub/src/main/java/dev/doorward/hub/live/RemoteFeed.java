package dev.doorward.hub.live;

import dev.doorward.protocol.FrameGate;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;

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

    /** The parts that wait while a media key is on its way. */
    private final PartHold hold = new PartHold();

    RemoteFeed(RemoteLive.Publisher publisher, int viewers) {
        this.publisher = publisher;
        this.viewers = viewers;
        // The feed joins a running stream: it starts at a keyframe (the doorbell re-sends its GOP as the count grows).
        this.gate = new FrameGate(() -> publisher.backlogBytes() + hold.bytes() > CONGESTED_BYTES, true);
    }

    /** A part from the doorbell (the read-only copy all sinks share, kept as it is while held). */
    @Override
    public void media(ByteBuffer part, MediaPart.Kind kind, boolean first, boolean last, boolean keyframe) {
        if (gate.pass(kind, first, last, keyframe) && !hold.keep(part)) {
            publisher.publish(part);
        }
    }

    /**
     * Until as many {@link #release}s, parts wait here: a media key is on its way to the other nodes, in band, and
     * the parts sealed under it must follow it ({@code LiveViews#holdForKey}).
     */
    void hold() {
        hold.hold();
    }

    /** After the last hold, sends what waited, in order; NATS keeps the order of what is published after it. */
    void release() {
        hold.end(publisher::publish);
    }
}

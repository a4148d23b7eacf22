package dev.doorward.hub.live;

import dev.doorward.protocol.FrameGate;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;

/**
 * One browser watching one doorbell. When the browser falls behind, it loses frames by the {@link FrameGate} rule:
 * whole frames, never parts of one, and after a lost video frame it waits for the next keyframe (docs/media.md
 * "Hub relay").
 *
 * <p>A view starts {@link #hold() held}: the doorbell is asked for its current GOP as soon as the view is allowed,
 * and its parts wait here, unsent, while the view is recorded in the security log and the browser gets its key
 * envelopes; {@link #release()} then sends them in order. The round trip to the doorbell overlaps the record, and
 * nothing reaches a browser before its view is recorded. A doorbell's new media key holds its viewers the same way
 * until the key is stored and handed on (LiveViews#holdForKey), so no part sealed under it arrives first.
 */
final class Viewer implements LiveSink {
    /** Above this many queued bytes, new frames are skipped (about a second of video at our bit rates). */
    static final long CONGESTED_BYTES = 512 * 1024;

    final ViewerSocket socket;
    final String accountId;
    final String username;
    /** The browser session the socket was opened with: the view ends when it does. */
    final String sessionId;
    /** Set once the browser said which doorbell it watches. */
    volatile Watch watch;
    /** Whether it was handed a key envelope: one told "not-in-roster" is not told "live" by another node. */
    volatile boolean keyed;

    /**
     * Only used by the thread that brings the doorbell's parts: its link's network thread, or (linked on another
     * node) this node's one NATS thread for live parts.
     */
    private final FrameGate gate;

    /** The parts that wait while the view starts, or a media key is on its way. */
    private final PartHold hold = new PartHold();

    private volatile boolean closed;
    /** Talk parts this second, and which second that is. */
    private long talkSecond;

    private int talkParts;

    record Watch(String deviceId, String householdId, String deviceName, String clientIdOrNull) {}

    Viewer(ViewerSocket socket, String accountId, String username, String sessionId) {
        this.socket = socket;
        this.accountId = accountId;
        this.username = username;
        this.sessionId = sessionId;
        // A viewer joins a running stream: its video starts at a keyframe.
        this.gate = new FrameGate(() -> socket.queuedBytes() + hold.bytes() > CONGESTED_BYTES, true);
    }

    /** A part from the doorbell, shared read-only between viewers. */
    @Override
    public void media(ByteBuffer part, MediaPart.Kind kind, boolean first, boolean last, boolean keyframe) {
        if (!gate.pass(kind, first, last, keyframe) || closed || hold.keep(part)) {
            return;
        }
        socket.sendShared(part);
    }

    /**
     * From now until a {@link #release()} for each hold, the doorbell's parts wait here. The view's own hold comes
     * before it is added to its doorbell; a media key's, on the doorbell's network thread.
     */
    void hold() {
        hold.hold();
    }

    /**
     * Ends one hold. After the last, sends what waited, in order, after the texts this thread sent before (key
     * envelopes, state), and every later part as it comes. The hold ends on the socket's own network thread, after
     * those writes: a part the doorbell's network thread sends directly from then on cannot overtake them.
     */
    void release() {
        hold.drainIfLast(this::sendHeld);
        socket.afterQueuedWrites(() -> hold.end(this::sendHeld));
    }

    private void sendHeld(ByteBuffer part) {
        if (!closed) {
            socket.sendShared(part);
        }
    }

    void text(String json) {
        if (!closed) {
            socket.sendText(json);
        }
    }

    /** At most {@code perSecond} talk parts a second; the rest are dropped. */
    boolean allowTalk(long nowMillis, int perSecond) {
        long second = nowMillis / 1000;
        if (second != talkSecond) {
            talkSecond = second;
            talkParts = 0;
        }
        return ++talkParts <= perSecond;
    }

    /** Ends the view: what is queued (the reason why) goes out first, then the socket closes. */
    void close(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        socket.close(code, reason);
    }

    /** The socket is gone: nothing more is sent to it. */
    void socketClosed() {
        closed = true;
    }
}

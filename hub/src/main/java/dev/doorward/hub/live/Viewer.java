package dev.doorward.hub.live;

import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * One browser watching one doorbell. Everything for it goes through its own queue and its own (virtual)
 * sending thread, so a slow browser never holds up the doorbell's link or the other viewers. When its queue
 * grows, it loses whole frames, never parts of one, and after a lost video frame it waits for the next
 * keyframe (docs/media.md "Hub relay").
 */
final class Viewer {
    private static final Logger log = LoggerFactory.getLogger(Viewer.class);
    /** Above this many queued bytes, new frames are skipped (about a second of video at our bit rates). */
    static final long CONGESTED_BYTES = 512 * 1024;

    private static final WebSocketMessage<?> STOP = new TextMessage("stop");

    final WebSocketSession socket;
    final String accountId;
    final String username;
    /** Set once the browser said which doorbell it watches. */
    volatile Watch watch;

    private final LinkedBlockingQueue<WebSocketMessage<?>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    // Frame boundaries per media kind; only touched by the network thread serving the doorbell's link (one each).
    private final boolean[] skipping = new boolean[4];
    private final boolean[] inFrame = new boolean[4];
    private boolean needKeyframe = true;
    private volatile boolean closed;
    private volatile CloseStatus closeStatus;
    /** Talk parts this second, and which second that is. */
    private long talkSecond;

    private int talkParts;

    record Watch(String deviceId, String householdId, String deviceName, String clientIdOrNull) {}

    Viewer(WebSocketSession socket, String accountId, String username) {
        this.socket = socket;
        this.accountId = accountId;
        this.username = username;
        Thread.ofVirtual().name("doorward-viewer").start(this::drain);
    }

    /** A part from the doorbell, shared read-only between viewers. */
    void media(ByteBuffer part, MediaPart.Kind kind, boolean first, boolean last, boolean keyframe) {
        int k = kind.code();
        if (first) {
            inFrame[k] = true;
            boolean congested = queuedBytes.get() > CONGESTED_BYTES;
            if (kind == MediaPart.Kind.VIDEO && needKeyframe && !keyframe) {
                skipping[k] = true;
            } else if (congested) {
                skipping[k] = true;
                if (kind == MediaPart.Kind.VIDEO) {
                    needKeyframe = true;
                }
            } else {
                skipping[k] = false;
                if (kind == MediaPart.Kind.VIDEO) {
                    needKeyframe = false;
                }
            }
        } else if (!inFrame[k]) {
            // Joined in the middle of a frame.
            return;
        }
        if (last) {
            inFrame[k] = false;
        }
        if (!skipping[k]) {
            enqueue(new BinaryMessage(part.duplicate()), part.remaining());
        }
    }

    void text(String json) {
        enqueue(new TextMessage(json), json.length());
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

    private void enqueue(WebSocketMessage<?> message, long bytes) {
        if (closed) {
            return;
        }
        queuedBytes.addAndGet(bytes);
        queue.add(message);
    }

    /** Ends the view: what is queued (the reason why) goes out first, then the socket closes. */
    void close(CloseStatus status) {
        if (closed) {
            return;
        }
        closed = true;
        closeStatus = status;
        queue.add(STOP);
    }

    private void closeSocket(CloseStatus status) {
        try {
            socket.close(status);
        } catch (IOException e) {
            // already closed
        }
    }

    private void drain() {
        try {
            while (true) {
                WebSocketMessage<?> message = queue.take();
                if (message == STOP) {
                    if (closeStatus != null) {
                        closeSocket(closeStatus);
                    }
                    return;
                }
                queuedBytes.addAndGet(-message.getPayloadLength());
                if (socket.isOpen()) {
                    socket.sendMessage(message);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | IllegalStateException e) {
            log.debug("A viewer stopped reading: {}", e.getMessage());
            closed = true;
            closeSocket(CloseStatus.SESSION_NOT_RELIABLE);
        }
    }

    /**
     * The socket is gone: the sender stops at its next message. Never by interrupting it: this runs on that
     * very thread when the hub itself closed the view, and an interrupted thread would then fail the next
     * blocking write it makes — the doorbell link's "live" update among them.
     */
    void stopSender() {
        closed = true;
        queue.add(STOP);
    }
}

package dev.doorward.hub.live;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * A viewer on the browser port (Tomcat). The container writes one message at a time, so messages queue here: the
 * thread that queues one while nothing is being written starts writing it, and each finished write starts the
 * next. Nothing blocks, so a slow browser never holds up the doorbell's link or the other viewers.
 */
final class TomcatViewerSocket implements ViewerSocket {
    private static final Logger log = LoggerFactory.getLogger(TomcatViewerSocket.class);
    /** A browser that has not taken a message within this long is gone. */
    static final long SEND_TIMEOUT_MILLIS = 10_000;

    private final WebSocketSession socket;
    private final RemoteEndpoint.Async remote;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    /** Queued and being written. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** True while one message is being written; stays true for good once the socket is closing. */
    private final AtomicBoolean writing = new AtomicBoolean();

    private volatile boolean closed;

    /** Marks the end of the queue: what was queued before it goes out, then the socket closes. */
    private record Stop(CloseStatus status) {}

    TomcatViewerSocket(WebSocketSession socket) {
        this.socket = socket;
        this.remote = ((NativeWebSocketSession) socket)
                .getNativeSession(Session.class)
                .getAsyncRemote();
        remote.setSendTimeout(SEND_TIMEOUT_MILLIS);
    }

    @Override
    public String id() {
        return socket.getId();
    }

    @Override
    public void sendText(String json) {
        enqueue(json, json.length());
    }

    @Override
    public void sendShared(ByteBuffer part) {
        enqueue(part.duplicate(), part.remaining());
    }

    @Override
    public long queuedBytes() {
        return queuedBytes.get();
    }

    @Override
    public void close(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(new Stop(new CloseStatus(code, reason)));
        writeNext();
    }

    /** The socket is gone: nothing more is written to it. */
    void closed() {
        closed = true;
        writing.set(true);
        queue.clear();
    }

    private void enqueue(Object message, long bytes) {
        if (closed) {
            return;
        }
        queuedBytes.addAndGet(bytes);
        queue.add(message);
        writeNext();
    }

    /**
     * Starts writing the next queued message unless a write is under way. A write that finishes at once (the usual
     * case: the socket had room) is followed in this loop, so a long queue never deepens the stack.
     */
    private void writeNext() {
        while (writing.compareAndSet(false, true)) {
            Object message = queue.poll();
            if (message == null) {
                writing.set(false);
                if (queue.isEmpty()) {
                    return;
                }
                continue; // queued after the poll, by a thread that then saw a write under way
            }
            if (message instanceof Stop stop) {
                queue.clear();
                closeSocket(stop.status());
                return;
            }
            if (!new Write(message).start()) {
                return; // the container finishes it later; its callback carries on
            }
        }
    }

    private void closeSocket(CloseStatus status) {
        // Closing writes a close frame and may wait for the browser: never on the thread relaying media.
        Thread.ofVirtual().name("doorward-viewer-close").start(() -> {
            try {
                socket.close(status);
            } catch (IOException e) {
                // already closed
            }
        });
    }

    /** One message being written, and who carries on when it is done: the caller or the callback. */
    private final class Write implements SendHandler {
        private static final int STARTING = 0, FINISHED_WHILE_STARTING = 1, PENDING = 2;
        private final Object message;
        private final long bytes;
        private final AtomicInteger state = new AtomicInteger(STARTING);

        Write(Object message) {
            this.message = message;
            this.bytes = message instanceof ByteBuffer b ? b.remaining() : ((String) message).length();
        }

        /** True if the write is already done, so the caller writes the next one. */
        boolean start() {
            try {
                if (message instanceof ByteBuffer part) {
                    remote.sendBinary(part, this);
                } else {
                    remote.sendText((String) message, this);
                }
            } catch (RuntimeException e) {
                // The socket closed under us (IllegalStateException) or the container refused the write.
                failed(e);
                return false;
            }
            if (state.compareAndSet(STARTING, PENDING)) {
                return false;
            }
            done();
            return true;
        }

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                failed(result.getException());
                return;
            }
            if (state.compareAndSet(STARTING, FINISHED_WHILE_STARTING)) {
                return; // start() sees it and carries on in its loop
            }
            done();
            writeNext();
        }

        private void done() {
            queuedBytes.addAndGet(-bytes);
            writing.set(false);
        }

        private void failed(Throwable e) {
            log.debug("A viewer stopped reading: {}", e == null ? "unknown" : e.getMessage());
            closed = true;
            queue.clear();
            // "writing" stays set: nothing more goes to this socket.
            closeSocket(CloseStatus.SESSION_NOT_RELIABLE);
        }
    }
}

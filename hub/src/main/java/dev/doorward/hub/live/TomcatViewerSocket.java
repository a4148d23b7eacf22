package dev.doorward.hub.live;

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
 * A viewer on the browser port (Tomcat), the fallback path: messages queue here and its own virtual thread
 * writes them, so a slow browser never holds up the doorbell's link or the other viewers. (That hand-over per
 * message is what the live port avoids: docs/benchmarks.md, Finding 4.)
 */
final class TomcatViewerSocket implements ViewerSocket {
    private static final Logger log = LoggerFactory.getLogger(TomcatViewerSocket.class);
    private static final WebSocketMessage<?> STOP = new TextMessage("stop");

    private final WebSocketSession socket;
    private final LinkedBlockingQueue<WebSocketMessage<?>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean closed;
    private volatile CloseStatus closeStatus;

    TomcatViewerSocket(WebSocketSession socket) {
        this.socket = socket;
        Thread.ofVirtual().name("doorward-viewer").start(this::drain);
    }

    @Override
    public String id() {
        return socket.getId();
    }

    @Override
    public void sendText(String json) {
        enqueue(new TextMessage(json));
    }

    @Override
    public void sendShared(ByteBuffer part) {
        enqueue(new BinaryMessage(part.duplicate()));
    }

    @Override
    public void afterQueuedWrites(Runnable task) {
        task.run(); // one queue: everything sent before is ahead already
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
        closeStatus = new CloseStatus(code, reason);
        queue.add(STOP);
    }

    /**
     * The socket is gone: the sender stops at its next message. Never by interrupting it: this may run on that
     * very thread when the hub itself closed the view, and an interrupted thread would fail its next blocking
     * write.
     */
    void closed() {
        closed = true;
        queue.add(STOP);
    }

    private void enqueue(WebSocketMessage<?> message) {
        if (closed) {
            return;
        }
        queuedBytes.addAndGet(message.getPayloadLength());
        queue.add(message);
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

    /** Waits (until {@code deadlineNanos} on {@link System#nanoTime()}) for the socket to be closed. */
    void awaitClosed(long deadlineNanos) {
        while (socket.isOpen() && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void closeSocket(CloseStatus status) {
        try {
            socket.close(status);
        } catch (IOException e) {
            // already closed
        }
    }
}

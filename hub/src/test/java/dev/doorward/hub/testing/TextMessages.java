package dev.doorward.hub.testing;

import java.net.http.WebSocket;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A java.net.http WebSocket listener that collects whole text and binary messages and remembers how it
 * closed.
 */
class TextMessages implements WebSocket.Listener {
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<java.nio.ByteBuffer> receivedBinary = new LinkedBlockingQueue<>();
    private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();
    private final StringBuilder partial = new StringBuilder();
    /** Every whole message in the order it came: a text as it is, a binary message as {@link #BINARY}. */
    private final java.util.List<String> arrivals = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /** How {@link #arrivals()} shows a binary message ({@code BrowserClient.Stream.BINARY}). */
    static final String BINARY = "<binary>";

    volatile WebSocket socket;
    volatile Integer closeCode;
    /** False: stop asking for messages (a peer that stopped reading). */
    volatile boolean reading = true;

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            arrivals.add(partial.toString());
            received.add(partial.toString());
            partial.setLength(0);
        }
        if (reading) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        partialBinary.writeBytes(bytes);
        if (last) {
            arrivals.add(BINARY);
            receivedBinary.add(java.nio.ByteBuffer.wrap(partialBinary.toByteArray()));
            partialBinary.reset();
        }
        webSocket.request(1);
        return null;
    }

    /** Every whole message so far, in the order it came (texts as they are, binary ones as {@link #BINARY}). */
    public java.util.List<String> arrivals() {
        synchronized (arrivals) {
            return java.util.List.copyOf(arrivals);
        }
    }

    /** The next whole binary message, or empty after the timeout. */
    public Optional<java.nio.ByteBuffer> nextBinary(java.time.Duration timeout) {
        try {
            return Optional.ofNullable(receivedBinary.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Sends a binary message and waits until it is written. */
    public void sendBinary(java.nio.ByteBuffer message) {
        socket.sendBinary(message, true).join();
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (closeCode == null) {
            closeCode = -1;
        }
    }

    boolean isClosed() {
        return closeCode != null;
    }

    /** The next whole message, or empty after the timeout. */
    Optional<String> poll(long timeoutNanos) {
        try {
            return Optional.ofNullable(received.poll(timeoutNanos, TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}

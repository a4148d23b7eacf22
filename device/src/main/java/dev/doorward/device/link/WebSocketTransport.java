package dev.doorward.device.link;

import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.MediaPart;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;

/**
 * WebSocket over TLS 1.3 with the JDK's HTTP client. The SSL context decides whom the device trusts (the
 * pinned hub CA) and what it presents (its device or operational certificate); nothing here widens that.
 */
public final class WebSocketTransport implements Transport {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client;
    private final ExecutorService executor;

    public WebSocketTransport(SSLContext sslContext) {
        // Virtual threads: an idle device costs no platform thread beyond the client's selector.
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.client = HttpClient.newBuilder()
                .sslContext(sslContext)
                .sslParameters(TlsContexts.parameters())
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .executor(executor)
                .build();
    }

    @Override
    public CompletableFuture<Connection> connect(URI uri, Listener listener) {
        SocketListener socketListener = new SocketListener(listener);
        return client.newWebSocketBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .buildAsync(uri, socketListener)
                .thenApply(ws -> (Connection) new SocketConnection(ws, socketListener));
    }

    @Override
    public void close() {
        client.shutdownNow();
        executor.shutdownNow();
    }

    private static final class SocketConnection implements Connection {
        private final WebSocket socket;
        private final SocketListener listener;
        private CompletableFuture<WebSocket> sending;
        private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();

        SocketConnection(WebSocket socket, SocketListener listener) {
            this.socket = socket;
            this.listener = listener;
            this.sending = CompletableFuture.completedFuture(socket);
        }

        @Override
        public synchronized void send(String text) {
            // The JDK WebSocket allows one outstanding send: chain them, in order.
            sending = sending.thenCompose(ws -> ws.sendText(text, true)).exceptionally(e -> {
                abort();
                return socket;
            });
        }

        @Override
        public synchronized void sendBinary(ByteBuffer message) {
            int size = message.remaining();
            queued.addAndGet(size);
            sending = sending.thenCompose(ws -> ws.sendBinary(message, true))
                    .whenComplete((ws, e) -> queued.addAndGet(-size))
                    .exceptionally(e -> {
                        abort();
                        return socket;
                    });
        }

        @Override
        public long queuedBinaryBytes() {
            return queued.get();
        }

        @Override
        public synchronized void close() {
            sending = sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""))
                    .exceptionally(e -> socket);
            sending.whenComplete((ws, e) -> listener.closed("closed by device"));
        }

        @Override
        public void abort() {
            socket.abort();
            listener.closed("aborted by device");
        }
    }

    /** Reassembles fragmented text messages, refusing any larger than the protocol allows. */
    private static final class SocketListener implements WebSocket.Listener {
        private final Listener listener;
        private final StringBuilder text = new StringBuilder();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final ByteBuffer binary = ByteBuffer.allocate(MediaPart.MAX_BYTES);

        SocketListener(Listener listener) {
            this.listener = listener;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (text.length() + data.length() > Limits.MAX_HUB_MESSAGE_CHARS) {
                text.setLength(0);
                webSocket.abort();
                closed("message too large");
                return null;
            }
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                listener.onText(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (data.remaining() > binary.remaining()) {
                webSocket.abort();
                closed("binary message too large");
                return null;
            }
            binary.put(data);
            if (last) {
                ByteBuffer message = ByteBuffer.allocate(binary.position())
                        .put(binary.flip())
                        .flip();
                binary.clear();
                listener.onBinary(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed("closed by hub (" + statusCode + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed("connection error: " + error.getClass().getSimpleName());
        }

        void closed(String reason) {
            if (closed.compareAndSet(false, true)) {
                listener.onClosed(reason);
            }
        }
    }
}

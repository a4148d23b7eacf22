package dev.doorward.bench.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A client TLS connection driven by a {@link Loop}: non-blocking TCP, an {@link SSLEngine} whose delegated
 * tasks run inline, and a {@link Protocol} on top. While idle it holds no buffer: partial input and unsent
 * output are copied out of the loop's scratch buffers only when they exist.
 */
public final class TlsConnection {
    /** What runs over the TLS connection (WebSocket, MQTT). All calls come on the loop thread. */
    public interface Protocol {
        void onOpen(TlsConnection connection);

        /** Plaintext; anything not consumed now must be copied, the buffer is reused. */
        void onData(TlsConnection connection, ByteBuffer plaintext);

        void onClose(TlsConnection connection, String reason);
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Loop loop;
    private final SSLEngine engine;
    private final Protocol protocol;
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer leftoverIn;
    private ByteBuffer pendingOut;
    private List<ByteBuffer> beforeOpen;
    private boolean open;
    private boolean closed;
    /** When connect() was called and when the TLS handshake finished (System.nanoTime). */
    public long startedNanos;

    public long handshakeNanos;
    /** Free for the protocol and the scenario. */
    public Object attachment;

    public int index;

    private TlsConnection(Loop loop, SSLEngine engine, Protocol protocol) {
        this.loop = loop;
        this.engine = engine;
        this.protocol = protocol;
    }

    /**
     * Opens a connection (from any thread; the work happens on the loop). {@code engineHook} sees the engine
     * before its handshake starts, e.g. to tell a key manager which identity this connection presents.
     */
    public static TlsConnection connect(
            Loop loop,
            SSLContext context,
            InetSocketAddress remote,
            InetSocketAddress localOrNull,
            Protocol protocol,
            int index,
            Object attachment,
            java.util.function.Consumer<SSLEngine> engineHook) {
        return connect(loop, context, remote, localOrNull, protocol, index, attachment, engineHook, null);
    }

    /**
     * As above; with a {@code sessionKey}, the engine offers the TLS session last cached under that key (so one
     * device resumes its own session, never another's) and caches the new one there. Without one, every connection
     * is a full handshake.
     */
    public static TlsConnection connect(
            Loop loop,
            SSLContext context,
            InetSocketAddress remote,
            InetSocketAddress localOrNull,
            Protocol protocol,
            int index,
            Object attachment,
            java.util.function.Consumer<SSLEngine> engineHook,
            String sessionKey) {
        // The JDK keys its client session cache by the engine's peer host and port: a per-device name (sent as
        // SNI, which the servers here ignore) gives each device its own entry.
        SSLEngine engine =
                sessionKey == null ? context.createSSLEngine() : context.createSSLEngine(sessionKey, remote.getPort());
        engine.setUseClientMode(true);
        TlsConnection connection = new TlsConnection(loop, engine, protocol);
        connection.index = index;
        connection.attachment = attachment;
        if (engineHook != null) {
            engineHook.accept(engine);
        }
        loop.execute(() -> connection.start(remote, localOrNull));
        return connection;
    }

    public SSLEngine engine() {
        return engine;
    }

    public Loop loop() {
        return loop;
    }

    public boolean isOpen() {
        return open && !closed;
    }

    public boolean isClosed() {
        return closed;
    }

    private void start(InetSocketAddress remote, InetSocketAddress local) {
        startedNanos = System.nanoTime();
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (local != null) {
                channel.bind(local);
            }
            boolean connected = channel.connect(remote);
            key = channel.register(loop.selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            if (connected) {
                beginHandshake();
            }
        } catch (IOException e) {
            fail("connect: " + e.getMessage());
        }
    }

    void onReady(SelectionKey readyKey) {
        if (closed) {
            return;
        }
        try {
            if (!readyKey.isValid()) {
                fail("key cancelled");
                return;
            }
            if (readyKey.isConnectable()) {
                channel.finishConnect();
                readyKey.interestOps(SelectionKey.OP_READ);
                beginHandshake();
                return;
            }
            if (readyKey.isWritable()) {
                flushPending();
            }
            if (readyKey.isReadable()) {
                read();
            }
        } catch (IOException | RuntimeException e) {
            fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void beginHandshake() throws IOException {
        engine.beginHandshake();
        progressHandshake();
    }

    private void read() throws IOException {
        ByteBuffer in = loop.readBuffer;
        in.clear();
        if (leftoverIn != null) {
            in.put(leftoverIn);
            leftoverIn = null;
        }
        int n = channel.read(in);
        if (n < 0) {
            in.clear();
            fail("closed by peer");
            return;
        }
        in.flip();
        unwrapAll(in);
        if (!closed && in.hasRemaining()) {
            leftoverIn = ByteBuffer.allocate(in.remaining());
            leftoverIn.put(in).flip();
        }
    }

    private void unwrapAll(ByteBuffer in) throws IOException {
        while (!closed && in.hasRemaining()) {
            ByteBuffer plain = loop.plainBuffer;
            plain.clear();
            SSLEngineResult result = engine.unwrap(in, plain);
            plain.flip();
            if (plain.hasRemaining() && open) {
                protocol.onData(this, plain);
            }
            switch (result.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    return;
                }
                case CLOSED -> {
                    fail("TLS closed by peer");
                    return;
                }
                case BUFFER_OVERFLOW -> throw new SSLException("plaintext buffer too small");
                case OK -> {}
            }
            if (!open) {
                progressHandshake();
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP
                        && result.bytesConsumed() == 0) {
                    return;
                }
            } else if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK
                    || result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                progressHandshake();
            }
            if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                return;
            }
        }
    }

    /** Runs tasks and wraps handshake messages until the engine needs input, then notices completion. */
    private void progressHandshake() throws IOException {
        while (!closed) {
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
                case NEED_WRAP -> {
                    SSLEngineResult result = wrap(EMPTY);
                    if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                        opened();
                        return;
                    }
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        fail("TLS closed");
                        return;
                    }
                }
                case NOT_HANDSHAKING, FINISHED -> {
                    opened();
                    return;
                }
                default -> {
                    // NEED_UNWRAP, NEED_UNWRAP_AGAIN: wait for input
                    return;
                }
            }
        }
    }

    private void opened() throws IOException {
        if (open) {
            return;
        }
        open = true;
        handshakeNanos = System.nanoTime();
        protocol.onOpen(this);
        if (beforeOpen != null) {
            List<ByteBuffer> queued = beforeOpen;
            beforeOpen = null;
            for (ByteBuffer b : queued) {
                send(b);
            }
        }
    }

    private SSLEngineResult wrap(ByteBuffer plain) throws IOException {
        ByteBuffer out = loop.wrapBuffer;
        out.clear();
        SSLEngineResult result = engine.wrap(plain, out);
        out.flip();
        write(out);
        return result;
    }

    /** Sends plaintext (loop thread only). Before the handshake is done it is queued. */
    public void send(ByteBuffer plain) {
        if (closed) {
            return;
        }
        if (!open) {
            if (beforeOpen == null) {
                beforeOpen = new ArrayList<>();
            }
            ByteBuffer copy = ByteBuffer.allocate(plain.remaining());
            copy.put(plain).flip();
            beforeOpen.add(copy);
            return;
        }
        try {
            while (plain.hasRemaining() && !closed) {
                SSLEngineResult result = wrap(plain);
                if (result.getStatus() != SSLEngineResult.Status.OK) {
                    fail("wrap " + result.getStatus());
                    return;
                }
            }
        } catch (IOException e) {
            fail("send: " + e.getMessage());
        }
    }

    private void write(ByteBuffer out) throws IOException {
        if (pendingOut != null) {
            ByteBuffer grown = ByteBuffer.allocate(pendingOut.remaining() + out.remaining());
            grown.put(pendingOut).put(out).flip();
            pendingOut = grown;
            return;
        }
        channel.write(out);
        if (out.hasRemaining()) {
            pendingOut = ByteBuffer.allocate(out.remaining());
            pendingOut.put(out).flip();
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void flushPending() throws IOException {
        if (pendingOut != null) {
            channel.write(pendingOut);
            if (!pendingOut.hasRemaining()) {
                pendingOut = null;
                key.interestOps(SelectionKey.OP_READ);
            }
        }
    }

    /** Drops the TCP connection without a TLS close (like a device losing power). Loop thread only. */
    public void abort() {
        fail("aborted");
    }

    /** Closes from any thread. */
    public void closeAsync() {
        loop.execute(this::abort);
    }

    void fail(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        leftoverIn = null;
        pendingOut = null;
        beforeOpen = null;
        try {
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        protocol.onClose(this, reason);
    }
}

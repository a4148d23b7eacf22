package dev.doorward.hub.link.transport;

import dev.doorward.crypto.pki.Certificates;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on the device port (or a browser's on the live port): the last handler of its pipeline, and the
 * {@link LinkSocket} the link logic sends through. Messages go to the endpoint in order on the link's {@link SerialExecutor};
 * live media the endpoint relays without blocking goes at once, on the network thread.
 */
final class NettyLinkSocket extends ChannelInboundHandlerAdapter implements LinkSocket {
    private static final Logger log = LoggerFactory.getLogger(NettyLinkSocket.class);
    /** Stop reading from a device when this many of its messages wait to be handled; resume at half. */
    private static final int PAUSE_AT = 64;

    private static final int MAX_CLOSE_REASON_BYTES = 123;
    private static final int CLOSE_GRACE_SECONDS = 5;

    private final String id;
    /** The served paths' endpoints: this connection's is chosen by the path it upgraded on. */
    private final Map<String, LinkEndpoint> endpoints;
    /** Set on the network thread at the upgrade, before anything is handed to it. */
    private LinkEndpoint endpoint;

    private final int maxTextChars;
    private final int maxBinaryBytes;
    private final Duration upgradeTimeout;
    private final SerialExecutor work = new SerialExecutor();
    private final AtomicBoolean paused = new AtomicBoolean();
    /**
     * Set on the network thread while the endpoint handles a text at once ({@link LinkEndpoint#handledAtOnce}), so
     * that what it sends is queued behind earlier writes. Another thread that sees it set by chance only queues its
     * write as Netty would anyway.
     */
    private boolean handlingAtOnce;

    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile Channel channel;
    /** Set on the network thread once the upgrade completed and the endpoint was told. */
    private volatile boolean opened;

    NettyLinkSocket(
            String id,
            Map<String, LinkEndpoint> endpoints,
            int maxTextChars,
            int maxBinaryBytes,
            Duration upgradeTimeout) {
        this.upgradeTimeout = upgradeTimeout;
        this.id = id;
        this.endpoints = endpoints;
        this.maxTextChars = maxTextChars;
        this.maxBinaryBytes = maxBinaryBytes;
    }

    // ---- LinkSocket

    @Override
    public String id() {
        return id;
    }

    @Override
    public void sendText(String text) throws IOException {
        Channel ch = writableChannel();
        if (handlingAtOnce) {
            // Netty queues a write from another thread as a task on this loop; written here at once, an answer
            // would overtake those (a heartbeat's the answers to what the doorbell sent before it). Queued too.
            ch.eventLoop().execute(() -> ch.writeAndFlush(new TextWebSocketFrame(text), ch.voidPromise()));
        } else {
            ch.writeAndFlush(new TextWebSocketFrame(text), ch.voidPromise());
        }
    }

    /**
     * One text to many links: encoded once, and handed to each network thread once for all its links. Handed over
     * one write at a time, a network thread that takes each as it comes is woken once per link (the largest share
     * of the CPU spent telling a household's open apps about a ring, in the bench's profile).
     */
    static void sendTextToEach(List<? extends LinkSocket> sockets, String text) {
        Map<EventLoop, List<Channel>> byLoop = new HashMap<>();
        for (LinkSocket socket : sockets) {
            try {
                if (socket instanceof NettyLinkSocket netty) {
                    Channel ch = netty.writableChannel();
                    byLoop.computeIfAbsent(ch.eventLoop(), loop -> new ArrayList<>())
                            .add(ch);
                } else {
                    socket.sendText(text);
                }
            } catch (IOException e) {
                // Closed, or dropped for not reading: its endpoint hears of it through closed().
            }
        }
        if (byLoop.isEmpty()) {
            return;
        }
        // Never released, so each frame may share it; the collector frees it.
        ByteBuf utf8 = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        byLoop.forEach((loop, channels) -> loop.execute(() -> {
            for (Channel ch : channels) {
                ch.writeAndFlush(new TextWebSocketFrame(utf8.duplicate()), ch.voidPromise());
            }
        }));
    }

    @Override
    public void sendBinary(ByteBuffer message) throws IOException {
        Channel ch = writableChannel();
        ByteBuf copy = ch.alloc().buffer(message.remaining()).writeBytes(message.duplicate());
        ch.writeAndFlush(new BinaryWebSocketFrame(copy), ch.voidPromise());
    }

    @Override
    public void sendShared(ByteBuffer readOnly) throws IOException {
        Channel ch = writableChannel();
        ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(readOnly.duplicate())), ch.voidPromise());
    }

    @Override
    public void afterQueuedWrites(Runnable task) {
        Channel ch = channel;
        if (ch == null) {
            task.run();
        } else {
            // Netty queues a write from another thread as a task on the channel's loop: this one runs after them.
            ch.eventLoop().execute(task);
        }
    }

    @Override
    public long pendingBytes() {
        Channel ch = channel;
        if (ch == null) {
            return 0;
        }
        var outbound = ch.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    @Override
    public InetSocketAddress clientAddress() {
        Channel ch = channel;
        return ch == null ? null : ProxyProtocol.clientAddress(ch);
    }

    @Override
    public Object admitted() {
        Channel ch = channel;
        return ch == null ? null : ch.attr(GateHandler.ADMITTED).get();
    }

    private Channel writableChannel() throws IOException {
        Channel ch = channel;
        if (ch == null || !opened || closing.get() || !ch.isActive()) {
            throw new IOException("the link is closed");
        }
        if (!ch.isWritable()) {
            // A close frame would wait behind what it does not read: just drop the connection.
            closing.set(true);
            ch.close();
            throw new IOException("the device stopped reading");
        }
        return ch;
    }

    @Override
    public void close(CloseReason reason) {
        Channel ch = channel;
        if (ch == null || !closing.compareAndSet(false, true)) {
            return;
        }
        if (!opened) {
            ch.close();
            return;
        }
        sendCloseAndClose(ch, new CloseWebSocketFrame(reason.code(), shortened(reason.reason())));
    }

    /**
     * The peer's close frame (closes are handled here, not by Netty's protocol handler: that one answers a close
     * even when ours crossed it, and a browser fails a stream that receives two). Answered only when we have not
     * sent ours; either way the closing handshake is over and the connection ends.
     */
    private void peerClosed(CloseWebSocketFrame frame) {
        Channel ch = channel;
        if (closing.compareAndSet(false, true)) {
            sendCloseAndClose(
                    ch, new CloseWebSocketFrame(true, 0, frame.content().retainedDuplicate()));
        } else {
            ch.close();
        }
    }

    private static void sendCloseAndClose(Channel ch, CloseWebSocketFrame frame) {
        ch.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
        // A peer that does not read never receives the close frame; do not wait for it forever.
        ch.eventLoop().schedule(() -> ch.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
    }

    /** The connection is gone and the endpoint has seen everything, its close included. */
    boolean settled() {
        Channel ch = channel;
        return (ch == null || !ch.isActive()) && work.pending() == 0;
    }

    @Override
    public boolean isOpen() {
        Channel ch = channel;
        return ch != null && opened && !closing.get() && ch.isActive();
    }

    // ---- Netty

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        // TLS and the upgrade have their own timeouts; this bounds the whole of it, slow-loris included.
        ctx.executor()
                .schedule(
                        () -> {
                            if (!opened) {
                                ctx.close();
                            }
                        },
                        upgradeTimeout.toMillis(),
                        TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete upgraded) {
            endpoint = endpoints.get(new QueryStringDecoder(upgraded.requestUri()).path());
            if (endpoint == null) {
                // The gate let through only the served paths: not reached.
                ctx.close();
                return;
            }
            X509Certificate[] chain = peerChain(ctx);
            opened = true;
            work.execute(() -> endpoint.opened(this, chain));
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        try {
            switch (message) {
                case TextWebSocketFrame frame -> onText(frame);
                case BinaryWebSocketFrame frame -> onBinary(frame.content());
                case CloseWebSocketFrame frame -> peerClosed(frame);
                case FullHttpRequest request -> PlainAnswer.sendAndClose(ctx, HttpResponseStatus.NOT_FOUND);
                default -> {} // pings and pongs are the protocol handler's; nothing else reaches here
            }
        } finally {
            ReferenceCountUtil.release(message);
        }
    }

    private void onText(TextWebSocketFrame frame) {
        String text = frame.text();
        if (text.length() > maxTextChars) {
            close(CloseReason.TOO_BIG);
            return;
        }
        // Only this network thread queues this link's work: nothing queued now means none before this text.
        boolean behindQueuedWork = work.pending() > 0;
        try {
            endpoint.textArrived(this, text, behindQueuedWork);
            if (!behindQueuedWork) {
                handlingAtOnce = true;
                try {
                    if (endpoint.handledAtOnce(this, text)) {
                        return;
                    }
                } finally {
                    handlingAtOnce = false;
                }
            }
        } catch (RuntimeException e) {
            log.error("Looking at an arriving message failed; it is still handled in order", e);
        }
        submit(() -> endpoint.text(this, text));
    }

    private void onBinary(ByteBuf content) {
        if (content.readableBytes() > maxBinaryBytes) {
            close(CloseReason.TOO_BIG);
            return;
        }
        if (endpoint.relayAtOnce(this, content.nioBuffer())) {
            return;
        }
        ByteBuffer copy = ByteBuffer.wrap(ByteBufUtil.getBytes(content));
        submit(() -> endpoint.binary(this, copy));
    }

    /**
     * Queues a message for the endpoint; stops reading from a device that sends faster than it is served. Runs on
     * the network thread, which alone pauses and resumes reading: a worker that drains the queue asks it to resume,
     * so a pause and a resume can never cross (which once left a link paused for good).
     */
    private void submit(Runnable task) {
        work.execute(() -> {
            task.run();
            if (paused.get() && work.pending() <= PAUSE_AT / 2) {
                channel.eventLoop().execute(this::resumeIfDrained);
            }
        });
        if (!paused.get() && work.pending() >= PAUSE_AT) {
            paused.set(true);
            channel.config().setAutoRead(false);
            // The queue may have drained before the pause was visible to the worker.
            resumeIfDrained();
        }
    }

    /** Messages read from the device and not yet handled (for tests). */
    int queued() {
        return work.pending();
    }

    /** On the network thread only. */
    private void resumeIfDrained() {
        if (paused.get() && work.pending() <= PAUSE_AT / 2) {
            paused.set(false);
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing.set(true);
        if (opened) {
            // After every message already queued: the endpoint sees the link's whole life in order.
            work.execute(() -> endpoint.closed(this));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            close(CloseReason.TOO_BIG);
            return;
        }
        // A refused certificate, a reset connection, a broken frame: nothing to tell a peer we cannot trust.
        log.debug("Link {} failed: {}", id, cause.toString());
        ctx.close();
    }

    private static X509Certificate[] peerChain(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        try {
            // Parsed afresh from DER: BoringSSL's session keeps its copy unparsed (bytes only) for the link's life,
            // and these go once the endpoint has read what it needs.
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            X509Certificate[] parsed = new X509Certificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                parsed[i] = Certificates.fromDer(chain[i].getEncoded());
            }
            return parsed;
        } catch (SSLPeerUnverifiedException | CertificateEncodingException | IllegalArgumentException e) {
            return new X509Certificate[0];
        }
    }

    private static String shortened(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= MAX_CLOSE_REASON_BYTES
                ? reason
                : new String(bytes, 0, MAX_CLOSE_REASON_BYTES, StandardCharsets.UTF_8);
    }
}

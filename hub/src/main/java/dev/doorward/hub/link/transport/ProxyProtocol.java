package dev.doorward.hub.link.transport;

import dev.doorward.hub.config.TrustedProxies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROXY protocol v2 (HAProxy's {@code send-proxy-v2}) in front of TLS: a connection from a trusted proxy must start
 * with the header, and the address in it becomes the connection's client address; any other connection that starts
 * with a PROXY header is closed, so nobody but the load balancer can claim an address. Without trusted proxies
 * nothing of this is in the pipeline.
 */
final class ProxyProtocol {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);

    /** The client's address when a trusted proxy told it; the TCP peer's otherwise. */
    static final AttributeKey<InetSocketAddress> CLIENT_ADDRESS = AttributeKey.valueOf("doorward.client-address");

    /**
     * HAProxy sends no TLVs unless told to (proxy-v2-options); a few hundred bytes leave room for those, and a
     * header longer than that is refused, not buffered.
     */
    private static final int MAX_TLV_BYTES = 512;

    /** The first byte of PROXY v2's signature ({@code \r\n\r\n\0\r\nQUIT\n}) and of v1's ({@code PROXY }). */
    private static final byte V2_FIRST = 0x0D;

    private static final byte V1_FIRST = 'P';

    private ProxyProtocol() {}

    /** Puts what the connection's peer calls for first in its pipeline; nothing when no proxy is trusted. */
    static void install(Channel channel, TrustedProxies trusted) {
        if (trusted.isEmpty()) {
            return;
        }
        InetSocketAddress peer = (InetSocketAddress) channel.remoteAddress();
        if (peer != null && trusted.trusts(peer.getAddress())) {
            channel.pipeline()
                    .addLast("proxy-header", new HAProxyMessageDecoder(MAX_TLV_BYTES, true))
                    .addLast("proxy-address", new ProxiedAddress(peer));
        } else {
            channel.pipeline().addLast("no-proxy-header", new NoProxyHeader(peer));
        }
    }

    /** The connection's client address: what a trusted proxy said, or the TCP peer. */
    static InetSocketAddress clientAddress(Channel channel) {
        InetSocketAddress told = channel.attr(CLIENT_ADDRESS).get();
        return told != null ? told : (InetSocketAddress) channel.remoteAddress();
    }

    /** Takes the decoded header from a trusted proxy, then leaves the pipeline to TLS. */
    private static final class ProxiedAddress extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress proxy;
        private boolean refused;

        ProxiedAddress(InetSocketAddress proxy) {
            this.proxy = proxy;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (refused) {
                // What followed a refused header, on its way out.
                ReferenceCountUtil.release(message);
                return;
            }
            if (!(message instanceof HAProxyMessage header)) {
                // The decoder holds every byte until it has the header; anything else means it is not there.
                ReferenceCountUtil.release(message);
                refuse(ctx, "no PROXY protocol v2 header");
                return;
            }
            try {
                String problem = check(header);
                if (problem != null) {
                    refuse(ctx, problem);
                    return;
                }
                if (header.command() == HAProxyCommand.PROXY) {
                    ctx.channel().attr(CLIENT_ADDRESS).set(source(header));
                }
                // LOCAL: the proxy speaks for itself (a health check); the connection keeps the proxy's address.
            } finally {
                header.release();
            }
            ctx.pipeline().remove(this);
        }

        private static String check(HAProxyMessage header) {
            if (header.protocolVersion() != HAProxyProtocolVersion.V2) {
                return "a PROXY protocol v1 header (only v2 is accepted)";
            }
            if (header.command() == HAProxyCommand.LOCAL) {
                return null;
            }
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
                return "a PROXY header for " + protocol + " (only TCP over IPv4 or IPv6 carries a client address)";
            }
            return null;
        }

        private static InetSocketAddress source(HAProxyMessage header) {
            try {
                // A literal from the decoder (which validated it): no name lookup happens.
                return new InetSocketAddress(InetAddress.getByName(header.sourceAddress()), header.sourcePort());
            } catch (UnknownHostException e) {
                throw new IllegalStateException("the PROXY decoder passed an unreadable address", e);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The decoder's refusal of a malformed, oversized or missing header (it closes the connection itself).
            Throwable why = cause.getCause() != null ? cause.getCause() : cause;
            refuse(ctx, "no valid PROXY protocol v2 header (" + why.getMessage() + ")");
        }

        private void refuse(ChannelHandlerContext ctx, String problem) {
            if (refused) {
                return;
            }
            refused = true;
            log.warn(
                    "Closed a connection from trusted proxy {}: {}",
                    proxy.getAddress().getHostAddress(),
                    problem);
            ctx.close();
        }
    }

    /** On a node with trusted proxies, a connection from anyone else: a PROXY header here is a forgery. */
    private static final class NoProxyHeader extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress peer;

        NoProxyHeader(InetSocketAddress peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof ByteBuf bytes && bytes.isReadable()) {
                byte first = bytes.getByte(bytes.readerIndex());
                if (first == V2_FIRST || first == V1_FIRST) {
                    // TLS begins with a handshake record (0x16): these bytes are no TLS, and claim to be a proxy.
                    bytes.release();
                    log.warn(
                            "Closed a connection from {}: it sent a PROXY protocol header and is not one of"
                                    + " doorward.cluster.trusted-proxies",
                            peer == null ? "?" : peer.getAddress().getHostAddress());
                    ctx.close();
                    return;
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(message);
        }
    }
}

package dev.doorward.hub.link.transport;

import dev.doorward.hub.config.TrustedProxies;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device port: TLS that requires a client certificate, one WebSocket path, nothing else. It runs outside the
 * servlet container because a device link spends its life idle, and an idle link here owns no thread and no
 * buffer: the TLS engine, its session and a few pipeline objects (docs/benchmarks.md, Finding 2). Two network
 * threads serve every link; work that may block (database, disk) runs on the link's {@link SerialExecutor}.
 *
 * <p>The live port is the same server with another TLS context (no client certificate), two paths (live views and
 * the member stream) and an {@link UpgradeGate} that admits signed-in browsers, on the same network threads
 * (Finding 4).
 */
public final class LinkServer implements AutoCloseable {
    /**
     * @param port the port to listen on, 0 for any free one
     * @param maxTextChars longer text messages close the link with 1009 (shorter ones reach the endpoint, which
     *     applies the protocol's own, lower limit and answers with an error)
     * @param maxBinaryBytes longer binary messages close the link with 1009
     * @param networkThreads threads doing TLS and framing for every link
     * @param upgradeTimeout how long a connection may take from TCP accept to a completed WebSocket upgrade
     * @param address the address to listen on; null for every address of the machine
     * @param trustedProxies load balancers whose PROXY protocol v2 header gives a connection's client address
     *     ({@link ProxyProtocol}); none: no PROXY header is accepted, and nothing looks for one
     */
    public record Settings(
            int port,
            int maxTextChars,
            int maxBinaryBytes,
            int networkThreads,
            Duration upgradeTimeout,
            java.net.InetAddress address,
            TrustedProxies trustedProxies) {
        /** Behind no load balancer. */
        public Settings(
                int port,
                int maxTextChars,
                int maxBinaryBytes,
                int networkThreads,
                Duration upgradeTimeout,
                java.net.InetAddress address) {
            this(port, maxTextChars, maxBinaryBytes, networkThreads, upgradeTimeout, address, TrustedProxies.NONE);
        }

        /** Listening on every address. */
        public Settings(int port, int maxTextChars, int maxBinaryBytes, int networkThreads, Duration upgradeTimeout) {
            this(port, maxTextChars, maxBinaryBytes, networkThreads, upgradeTimeout, null, TrustedProxies.NONE);
        }
    }

    /** How long a stop waits for links to close and their endpoints to finish with them. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup network;
    private final boolean ownsNetwork;
    private final Channel listening;
    private final ChannelGroup children;

    private LinkServer(
            EventLoopGroup acceptor,
            EventLoopGroup network,
            boolean ownsNetwork,
            Channel listening,
            ChannelGroup children) {
        this.children = children;
        this.acceptor = acceptor;
        this.network = network;
        this.ownsNetwork = ownsNetwork;
        this.listening = listening;
    }

    /**
     * A device port: binds, starts serving {@code endpoint} on {@code path} with its own network threads; returns
     * once the port is open.
     */
    public static LinkServer start(SslContext tls, Settings settings, String path, LinkEndpoint endpoint)
            throws InterruptedException {
        return start(tls, settings, null, UpgradeGate.TLS_DECIDES, Map.of(path, endpoint));
    }

    /**
     * Binds and starts serving; returns once the port is open.
     *
     * @param sharedNetwork network threads shared with another server (one that relays to this one's sockets then
     *     writes on the thread it already runs on); null for threads of its own
     * @param gate who may upgrade, on any of the paths, and as whom
     * @param endpoints the WebSocket paths served (exactly; no query), each with its endpoint; every other request
     *     gets 404
     */
    public static LinkServer start(
            SslContext tls,
            Settings settings,
            EventLoopGroup sharedNetwork,
            UpgradeGate gate,
            Map<String, LinkEndpoint> endpoints)
            throws InterruptedException {
        Map<String, LinkEndpoint> paths = Map.copyOf(endpoints);
        Transport transport = sharedNetwork != null ? Transport.of(sharedNetwork) : Transport.best();
        EventLoopGroup acceptor = transport.newGroup(1);
        EventLoopGroup network = sharedNetwork != null ? sharedNetwork : transport.newGroup(settings.networkThreads());
        AtomicLong ids = new AtomicLong();
        ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        // Bytes, not chars: a text message of maxTextChars may take up to 3 bytes per char in UTF-8.
        int maxFrameBytes = Math.max(3 * settings.maxTextChars(), settings.maxBinaryBytes());
        WebSocketDecoderConfig frames = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .build();
        Map<String, WebSocketServerProtocolConfig> upgrades = new HashMap<>();
        paths.keySet()
                .forEach(path -> upgrades.put(
                        path,
                        WebSocketServerProtocolConfig.newBuilder()
                                .websocketPath(path)
                                .checkStartsWith(false)
                                .handshakeTimeoutMillis(
                                        settings.upgradeTimeout().toMillis())
                                .decoderConfig(frames)
                                // NettyLinkSocket answers closes: never a second close frame to a peer.
                                .handleCloseFrames(false)
                                .build()));
        GateHandler.Upgrades upgradeOn = new GateHandler.Upgrades(Map.copyOf(upgrades), maxFrameBytes);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(acceptor, network)
                    .channel(transport.serverChannel())
                    // A reconnect storm brings thousands of connections at once; let the kernel queue them.
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    // A restarted hub must get its port back while the last run's links linger in TIME_WAIT.
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // A device that stops reading is dropped when 2 MiB wait for it (LinkSocket.sendText).
                    .childOption(
                            ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            children.add(channel);
                            // Before TLS: the load balancer's header comes ahead of the client's ClientHello.
                            ProxyProtocol.install(channel, settings.trustedProxies());
                            channel.pipeline()
                                    .addLast("tls", tls.newHandler(channel.alloc()))
                                    .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                                    .addLast("http-request", new HttpObjectAggregator(1024))
                                    // Once admitted, the gate puts the WebSocket handlers for the path here.
                                    .addLast("gate", new GateHandler(upgradeOn, gate))
                                    .addLast(
                                            "link",
                                            new NettyLinkSocket(
                                                    Long.toString(ids.incrementAndGet(), 36),
                                                    paths,
                                                    settings.maxTextChars(),
                                                    settings.maxBinaryBytes(),
                                                    settings.upgradeTimeout()));
                        }
                    });
            Channel listening = bootstrap
                    .bind(
                            settings.address() == null
                                    ? new InetSocketAddress(settings.port())
                                    : new InetSocketAddress(settings.address(), settings.port()))
                    .sync()
                    .channel();
            return new LinkServer(acceptor, network, sharedNetwork == null, listening, children);
        } catch (InterruptedException | RuntimeException e) {
            acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (sharedNetwork == null) {
                network.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    /**
     * Stops accepting, then closes every link with "going away" (1001) and waits, up to a few seconds, until each
     * one's endpoint has seen it closed (a doorbell's last-seen is written then, while the database still runs);
     * shared network threads stay for their owner to stop.
     */
    @Override
    public void close() {
        listening.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        List<NettyLinkSocket> sockets = new ArrayList<>();
        for (Channel child : children) {
            NettyLinkSocket socket = child.pipeline().get(NettyLinkSocket.class);
            if (socket != null) {
                sockets.add(socket);
                socket.close(LinkSocket.CloseReason.GOING_AWAY.withReason("the hub is stopping"));
            }
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        // A peer answers the close frame at once; one that does not is cut off below.
        while (System.nanoTime() < deadline && children.stream().anyMatch(Channel::isActive)) {
            sleep();
        }
        children.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        while (System.nanoTime() < deadline && !sockets.stream().allMatch(NettyLinkSocket::settled)) {
            sleep();
        }
        if (ownsNetwork) {
            network.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

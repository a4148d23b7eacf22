package dev.doorward.hub.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The browser-facing side of the push-service stand-in: Mozilla's WebSocket push protocol (sub-protocol
 * {@code push-notification}), which Firefox speaks to {@code dom.push.serverURL}. {@code hello} gets a user agent
 * id, {@code register} a channel with its {@code pushEndpoint} on the stand-in's RFC 8030 side, and every push
 * the endpoint accepts goes to Firefox as a {@code notification} (body base64url, {@code encoding: aes128gcm}).
 * Firefox answers {@code ack} with code 100 when its service worker got the decrypted message and 101 when it
 * could not decrypt it: an exact check of the hub's RFC 8291 encryption.
 */
public final class MozillaPushSocket implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One {@code ack} from the browser. */
    public record Ack(String channelId, String version, int code) {}

    private final PushServiceStandIn service;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    /** channel id → the browser connection that registered it. */
    private final Map<String, Channel> browsers = new ConcurrentHashMap<>();

    MozillaPushSocket(PushServiceStandIn service) throws InterruptedException {
        this.service = service;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new WebSocketServerProtocolHandler("/", "push-notification", true))
                                .addLast(new Frames());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
        service.onReceived(this::forward);
    }

    /** The value for Firefox's {@code dom.push.serverURL}. */
    public String serverUrl() {
        return "ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/";
    }

    public List<Ack> acks() {
        return List.copyOf(acks);
    }

    /** What was said on the socket, for a failing test's message. */
    public List<String> log() {
        return List.copyOf(log);
    }

    private void forward(PushServiceStandIn.Received push) {
        Channel browser = browsers.get(push.channelId());
        if (browser == null) {
            return;
        }
        ObjectNode notification = JSON.createObjectNode()
                .put("messageType", "notification")
                .put("channelID", push.channelId())
                .put("version", "v" + System.nanoTime())
                .put("data", Base64.getUrlEncoder().withoutPadding().encodeToString(push.body()));
        notification.putObject("headers").put("encoding", push.header("content-encoding"));
        browser.writeAndFlush(new TextWebSocketFrame(notification.toString()));
        log.add("-> notification " + push.channelId());
    }

    private final class Frames extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            JsonNode message = JSON.readTree(frame.text());
            String type = message.path("messageType").asString("");
            log.add("<- " + frame.text());
            switch (type) {
                case "hello" ->
                    reply(
                            ctx,
                            JSON.createObjectNode()
                                    .put("messageType", "hello")
                                    .put("uaid", "f".repeat(32))
                                    .put("status", 200)
                                    .put("use_webpush", true));
                case "register" -> {
                    String channelId = message.path("channelID").asString();
                    String key = message.hasNonNull("key") ? message.get("key").asString() : null;
                    service.addChannel(channelId, key);
                    browsers.put(channelId, ctx.channel());
                    reply(
                            ctx,
                            JSON.createObjectNode()
                                    .put("messageType", "register")
                                    .put("channelID", channelId)
                                    .put("status", 200)
                                    .put("pushEndpoint", service.endpointOf(channelId)));
                }
                case "unregister" ->
                    reply(
                            ctx,
                            JSON.createObjectNode()
                                    .put("messageType", "unregister")
                                    .put("channelID", message.path("channelID").asString())
                                    .put("status", 200));
                case "ack" -> {
                    for (JsonNode update : message.path("updates")) {
                        acks.add(new Ack(
                                update.path("channelID").asString(),
                                update.path("version").asString(),
                                update.path("code").asInt(100)));
                    }
                }
                default -> ctx.channel().writeAndFlush(new TextWebSocketFrame("{}")); // ping
            }
        }

        private void reply(ChannelHandlerContext ctx, ObjectNode message) {
            log.add("-> " + message);
            ctx.channel().writeAndFlush(new TextWebSocketFrame(message.toString()));
        }
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}

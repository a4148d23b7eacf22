package dev.doorward.hub.link.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.Optional;

/**
 * Asks the {@link UpgradeGate} about each request for a served path before the WebSocket upgrade happens, and once
 * it is admitted puts that path's WebSocket handlers in its own place; a request for any other path gets 404. A gate
 * that may block for this request (it asks the database) is asked on a virtual thread, so the network thread goes
 * on serving every other link meanwhile; nothing more is read from this connection until it has answered.
 */
final class GateHandler extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Object> ADMITTED = AttributeKey.valueOf("doorward.admitted");

    /**
     * The served paths and how each upgrades (shared by every connection of a server).
     *
     * @param byPath each served path's WebSocket configuration
     * @param maxMessageBytes the longest message the frames of one may add up to
     */
    record Upgrades(Map<String, WebSocketServerProtocolConfig> byPath, int maxMessageBytes) {}

    private final Upgrades upgrades;
    private final UpgradeGate gate;
    /** Set while a blocking gate decides: a client may not send anything before its upgrade is answered. */
    private boolean deciding;

    GateHandler(Upgrades upgrades, UpgradeGate gate) {
        this.upgrades = upgrades;
        this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (deciding) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (!(message instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(message);
            return;
        }
        WebSocketServerProtocolConfig upgrade = upgrades.byPath().get(new QueryStringDecoder(request.uri()).path());
        if (upgrade == null) {
            ReferenceCountUtil.release(request);
            PlainAnswer.sendAndClose(ctx, HttpResponseStatus.NOT_FOUND);
            return;
        }
        if (!gate.mayBlock(request.headers())) {
            decided(ctx, request, upgrade, ask(request));
            return;
        }
        deciding = true;
        ctx.channel().config().setAutoRead(false);
        Thread.ofVirtual().name("doorward-gate").start(() -> {
            Optional<Object> admitted = ask(request);
            ctx.executor().execute(() -> {
                deciding = false;
                if (!ctx.channel().isActive()) {
                    ReferenceCountUtil.release(request);
                    return;
                }
                ctx.channel().config().setAutoRead(true);
                decided(ctx, request, upgrade, admitted);
            });
        });
    }

    private Optional<Object> ask(FullHttpRequest request) {
        try {
            return gate.admit(request.headers());
        } catch (RuntimeException e) {
            // Headers the gate could not read are a refusal like any other.
            return Optional.empty();
        }
    }

    private void decided(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            WebSocketServerProtocolConfig upgrade,
            Optional<Object> admitted) {
        if (admitted.isEmpty()) {
            ReferenceCountUtil.release(request);
            PlainAnswer.sendAndClose(ctx, HttpResponseStatus.FORBIDDEN);
            return;
        }
        ctx.channel().attr(ADMITTED).set(admitted.get());
        // One request per connection: after the upgrade nothing here is needed.
        ctx.pipeline()
                .addAfter(ctx.name(), "websocket", new WebSocketServerProtocolHandler(upgrade))
                .addAfter("websocket", "whole-messages", new WebSocketFrameAggregator(upgrades.maxMessageBytes()));
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(request);
    }
}

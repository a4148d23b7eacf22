package dev.doorward.hub.link.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;

/**
 * Asks the {@link UpgradeGate} about each request for the served path before the WebSocket upgrade happens. A gate
 * that may block for this request (it asks the database) is asked on a virtual thread, so the network thread goes on serving every
 * other link meanwhile; nothing more is read from this connection until it has answered.
 */
final class GateHandler extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Object> ADMITTED = AttributeKey.valueOf("doorward.admitted");

    private final String path;
    private final UpgradeGate gate;
    /** Set while a blocking gate decides: a client may not send anything before its upgrade is answered. */
    private boolean deciding;

    GateHandler(String path, UpgradeGate gate) {
        this.path = path;
        this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (deciding) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof FullHttpRequest request
                && new QueryStringDecoder(request.uri()).path().equals(path)) {
            if (!gate.mayBlock(request.headers())) {
                decided(ctx, request, ask(request));
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
                    decided(ctx, request, admitted);
                });
            });
            return;
        }
        ctx.fireChannelRead(message);
    }

    private Optional<Object> ask(FullHttpRequest request) {
        try {
            return gate.admit(request.headers());
        } catch (RuntimeException e) {
            // Headers the gate could not read are a refusal like any other.
            return Optional.empty();
        }
    }

    private void decided(ChannelHandlerContext ctx, FullHttpRequest request, Optional<Object> admitted) {
        if (admitted.isEmpty()) {
            ReferenceCountUtil.release(request);
            PlainAnswer.sendAndClose(ctx, HttpResponseStatus.FORBIDDEN);
            return;
        }
        ctx.channel().attr(ADMITTED).set(admitted.get());
        // One request per connection: after the upgrade nothing here is needed.
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(request);
    }
}

package dev.doorward.hub.link.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;

/** Asks the {@link UpgradeGate} about each request for the served path before the WebSocket upgrade happens. */
final class GateHandler extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Object> ADMITTED = AttributeKey.valueOf("doorward.admitted");

    private final String path;
    private final UpgradeGate gate;

    GateHandler(String path, UpgradeGate gate) {
        this.path = path;
        this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof FullHttpRequest request
                && new QueryStringDecoder(request.uri()).path().equals(path)) {
            Optional<Object> admitted;
            try {
                admitted = gate.admit(request.headers());
            } catch (RuntimeException e) {
                // Headers the gate could not read are a refusal like any other.
                admitted = Optional.empty();
            }
            if (admitted.isEmpty()) {
                ReferenceCountUtil.release(request);
                PlainAnswer.sendAndClose(ctx, HttpResponseStatus.FORBIDDEN);
                return;
            }
            ctx.channel().attr(ADMITTED).set(admitted.get());
            // One request per connection: after the upgrade nothing here is needed.
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(message);
    }
}

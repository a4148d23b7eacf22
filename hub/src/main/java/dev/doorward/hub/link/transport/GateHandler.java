package dev.doorward.hub.link.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
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
            Optional<Object> admitted = gate.admit(request.headers());
            if (admitted.isEmpty()) {
                ReferenceCountUtil.release(request);
                forbidden(ctx);
                return;
            }
            ctx.channel().attr(ADMITTED).set(admitted.get());
            // One request per connection: after the upgrade nothing here is needed.
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(message);
    }

    private static void forbidden(ChannelHandlerContext ctx) {
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.FORBIDDEN,
                Unpooled.copiedBuffer("forbidden\n", StandardCharsets.US_ASCII));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}

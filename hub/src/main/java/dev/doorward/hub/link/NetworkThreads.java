package dev.doorward.hub.link;

import dev.doorward.hub.link.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The network threads (one per core) that the device port and the live port share: a media part read from a
 * doorbell is written to a viewer on the same thread when both connections live on it, and otherwise handed to
 * the viewer's thread with the others of its burst, not woken once per part and viewer.
 */
@Component
public class NetworkThreads implements DisposableBean {
    private final EventLoopGroup group =
            Transport.best().newGroup(Math.max(1, Runtime.getRuntime().availableProcessors()));

    public EventLoopGroup group() {
        return group;
    }

    /** After both ports stopped (they are lifecycle beans, stopped before any bean is destroyed). */
    @Override
    public void destroy() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

package dev.doorward.hub.link.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * How the network threads wait for and move bytes. On Linux x86-64 (the native library the hub ships, beside
 * BoringSSL's) Netty's epoll transport: it reads and writes straight from native code and keeps no selector's
 * bookkeeping per event, which on a hub of 10 000 quiet links and a few busy ones is most of what the network
 * threads do besides TLS. Java's selector (NIO) everywhere else.
 */
public enum Transport {
    EPOLL,
    NIO;

    /** Epoll where its native library loads (Netty's {@code -Dio.netty.transport.noNative=true} turns it off). */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** Network threads of this transport. */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(
                threads, this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** The transport of network threads made by {@link #newGroup}: a server on them must use its channels. */
    static Transport of(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class) ? EPOLL : NIO;
    }

    Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}

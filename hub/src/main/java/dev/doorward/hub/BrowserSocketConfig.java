package dev.doorward.hub;

import dev.doorward.hub.live.LiveViews;
import dev.doorward.hub.stream.MemberStreams;
import dev.doorward.hub.web.BrowserSocketHandshake;
import dev.doorward.protocol.Limits;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;
import org.springframework.web.socket.server.support.HttpSessionHandshakeInterceptor;

/**
 * The browser port's WebSocket endpoints: the member stream and live views. The device link is not here: it has
 * its own server ({@code link.DevicePort}).
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class BrowserSocketConfig implements WebSocketConfigurer {
    private final MemberStreams memberStreams;

    private final LiveViews liveViews;
    private final BrowserSocketHandshake gate;

    BrowserSocketConfig(MemberStreams memberStreams, LiveViews liveViews, BrowserSocketHandshake gate) {
        this.memberStreams = memberStreams;
        this.liveViews = liveViews;
        this.gate = gate;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // The same gate as the live port's: a page of the hub itself, exactly one session cookie. Each socket
        // remembers the browser session it was opened with, so it closes when that session ends.
        registry.addHandler(memberStreams, "/api/stream").addInterceptors(gate, sessionIdOnSocket());
        registry.addHandler(liveViews, "/api/live").addInterceptors(gate, sessionIdOnSocket());
    }

    /** Copies the browser session's id (never creating a session) into the socket's attributes. */
    private static HttpSessionHandshakeInterceptor sessionIdOnSocket() {
        HttpSessionHandshakeInterceptor interceptor = new HttpSessionHandshakeInterceptor();
        interceptor.setCopyAllAttributes(false);
        interceptor.setCopyHttpSessionId(true);
        interceptor.setCreateSession(false);
        return interceptor;
    }

    /**
     * Tomcat reserves both buffers for every WebSocket session the moment it opens, so they cost memory per open
     * browser (the benchmarks measured 1.2 MiB per connection with a 1 MiB binary buffer). Text: the protocol
     * limit plus a little. Binary: Tomcat's default 8 KiB: talk travels in media parts of at most 8 KiB
     * (docs/media.md), forwarded as they arrive.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(Limits.MAX_TEXT_MESSAGE_CHARS + 1024);
        container.setMaxBinaryMessageBufferSize(8 * 1024);
        return container;
    }
}

package dev.doorward.hub.link;

import dev.doorward.hub.live.LiveViews;
import dev.doorward.hub.stream.MemberStreams;
import dev.doorward.protocol.Limits;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.HandshakeInterceptor;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/** The two WebSocket endpoints: the device link (device port) and the member stream (browser port). */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class LinkWebSocketConfig implements WebSocketConfigurer {
    private final DeviceLinkHandler deviceLink;
    private final MemberStreams memberStreams;

    private final LiveViews liveViews;

    LinkWebSocketConfig(DeviceLinkHandler deviceLink, MemberStreams memberStreams, LiveViews liveViews) {
        this.deviceLink = deviceLink;
        this.memberStreams = memberStreams;
        this.liveViews = liveViews;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Devices are not browsers: no Origin to check; the TLS client certificate is the credential.
        registry.addHandler(deviceLink, "/link")
                .addInterceptors(new ClientCertificateInterceptor())
                .setAllowedOriginPatterns("*");
        // Same-origin only (Spring's default when no origins are listed): another site cannot open it.
        registry.addHandler(memberStreams, "/api/stream");
        registry.addHandler(liveViews, "/api/live");
    }

    /**
     * Tomcat reserves both buffers for every WebSocket session the moment it opens, so they cost memory per
     * idle device (the benchmarks measured 1.2 MiB per connection with a 1 MiB binary buffer). Text: the
     * protocol limit plus a little, so a message just over the limit still arrives whole and gets a clear
     * TOO_LARGE error from the codec; far larger ones close the socket with 1009. Binary: Tomcat's default
     * 8 KiB: media travels in parts of at most 8 KiB (docs/media.md), forwarded as they arrive.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(Limits.MAX_TEXT_MESSAGE_CHARS + 1024);
        container.setMaxBinaryMessageBufferSize(8 * 1024);
        return container;
    }

    /** Hands the verified client certificate chain from the TLS handshake to the link handler. */
    static final class ClientCertificateInterceptor implements HandshakeInterceptor {
        @Override
        public boolean beforeHandshake(
                ServerHttpRequest request,
                ServerHttpResponse response,
                WebSocketHandler handler,
                Map<String, Object> attributes) {
            if (request instanceof ServletServerHttpRequest servlet
                    && servlet.getServletRequest().getAttribute("jakarta.servlet.request.X509Certificate")
                            instanceof X509Certificate[] chain
                    && chain.length > 0) {
                attributes.put(DeviceLinkHandler.CERTIFICATES, chain);
                return true;
            }
            return false;
        }

        @Override
        public void afterHandshake(
                ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler, Exception e) {}
    }
}

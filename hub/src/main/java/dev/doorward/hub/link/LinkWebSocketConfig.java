package dev.doorward.hub.link;

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

    LinkWebSocketConfig(DeviceLinkHandler deviceLink, MemberStreams memberStreams) {
        this.deviceLink = deviceLink;
        this.memberStreams = memberStreams;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Devices are not browsers: no Origin to check; the TLS client certificate is the credential.
        registry.addHandler(deviceLink, "/link")
                .addInterceptors(new ClientCertificateInterceptor())
                .setAllowedOriginPatterns("*");
        // Same-origin only (Spring's default when no origins are listed): another site cannot open it.
        registry.addHandler(memberStreams, "/api/stream");
    }

    /**
     * Tomcat's default binary buffer is 8 KiB, which a single video frame exceeds. Text messages above the
     * protocol limit still arrive whole, so the codec can answer them with a clear TOO_LARGE error instead of
     * the socket closing.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(4 * Limits.MAX_TEXT_MESSAGE_CHARS);
        container.setMaxBinaryMessageBufferSize(Limits.MAX_BINARY_MESSAGE_BYTES);
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

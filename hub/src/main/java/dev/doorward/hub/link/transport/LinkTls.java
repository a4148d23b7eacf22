package dev.doorward.hub.link.transport;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import javax.net.ssl.SSLException;

/**
 * TLS for the {@link LinkServer}'s ports. The device port's: 1.3 only, key exchange over X25519 or P-256, a client
 * certificate required and checked by Doorward's own trust manager ({@link TlsContexts#clientTrustManager}),
 * whichever TLS stack runs it; on BoringSSL chains that passed are remembered ({@link RememberedCertificates}), so
 * a reconnect storm costs less CPU. The live port's: 1.3 with the hub's server certificate, no client certificate.
 */
public final class LinkTls {
    /** Which TLS implementation terminates links. */
    public enum Stack {
        /**
         * BoringSSL through netty-tcnative: a few KiB of native state per idle link and several times JSSE's
         * handshake rate (TECH-NOTES: OpenSSL signs P-256 ~7× faster).
         */
        BORINGSSL,
        /** The JDK's own TLS: the fallback where BoringSSL's native library cannot load. */
        JDK
    }

    private LinkTls() {}

    /** BoringSSL when its native library loads on this machine, otherwise the JDK. */
    public static Stack best() {
        return OpenSsl.isAvailable() ? Stack.BORINGSSL : Stack.JDK;
    }

    /**
     * For a port browsers use (the live port): TLS 1.3 with the hub's server certificate, never asking for a client
     * certificate (the browser port's session cookie says who it is).
     */
    public static SslContext browsers(Stack stack, Credential server) {
        try {
            return SslContextBuilder.forServer(server.privateKey(), server.chain())
                    .sslProvider(stack == Stack.BORINGSSL ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK)
                    .protocols(TlsContexts.PROTOCOLS)
                    .clientAuth(ClientAuth.NONE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("the live port's TLS could not be set up", e);
        }
    }

    public static SslContext server(Stack stack, Credential server, Collection<X509Certificate> clientTrustAnchors) {
        try {
            return switch (stack) {
                case BORINGSSL ->
                    SslContextBuilder.forServer(server.privateKey(), server.chain())
                            // REFCNT: native state freed as soon as the link's SslHandler goes, not by a cleaner later.
                            .sslProvider(SslProvider.OPENSSL_REFCNT)
                            .protocols(TlsContexts.PROTOCOLS)
                            .option(OpenSslContextOption.GROUPS, new String[] {"X25519", "P-256"})
                            .trustManager(new RememberedCertificates(
                                    TlsContexts.clientTrustManager(clientTrustAnchors), Clock.systemUTC()))
                            .clientAuth(ClientAuth.REQUIRE)
                            .build();
                case JDK ->
                    new JdkSslContext(
                            TlsContexts.server(server, clientTrustAnchors),
                            false,
                            null,
                            IdentityCipherSuiteFilter.INSTANCE,
                            ApplicationProtocolConfig.DISABLED,
                            ClientAuth.REQUIRE,
                            TlsContexts.PROTOCOLS,
                            false);
            };
        } catch (SSLException e) {
            throw new IllegalStateException("the device port's TLS could not be set up", e);
        }
    }
}

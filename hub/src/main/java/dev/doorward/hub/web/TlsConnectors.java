package dev.doorward.hub.web;

import dev.doorward.crypto.tls.KeyStores;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.pki.HubPki;
import java.security.KeyStore;
import java.util.List;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Three connectors, each with one job:
 *
 * <ul>
 *   <li>the browser port (server.port): HTTPS with the hub's certificate, never asks for a client
 *       certificate;
 *   <li>the device port: TLS 1.3 that <em>requires</em> a client certificate from the manufacturer CA (to
 *       claim) or the hub CA (an owned device). JSSE has no post-handshake authentication, so this must be its
 *       own port;
 *   <li>an optional plain-HTTP port that only redirects to HTTPS.
 * </ul>
 *
 * {@link ConnectorGuard} makes sure each port serves only its own routes.
 */
@Component
class TlsConnectors implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    // Only guards the in-memory keystore handed to Tomcat; never written anywhere.
    private static final char[] KEYSTORE_PASSWORD = "in-memory".toCharArray();

    private final HubProperties properties;
    private final HubPki pki;
    private volatile Connector deviceConnector;
    private volatile Connector redirectConnector;

    TlsConnectors(HubProperties properties, HubPki pki) {
        this.properties = properties;
        this.pki = pki;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addConnectorCustomizers(connector -> {
            enableTls(connector, null);
        });
        Connector device = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
        device.setPort(properties.devicePort());
        // Idle device links must not hold a thread; NIO parks them in the poller.
        device.setProperty("maxConnections", "200000");
        device.setProperty("connectionTimeout", "20000");
        enableTls(
                device,
                KeyStores.trustStore(List.of(pki.manufacturerCa(), pki.hubCa().certificate())));
        factory.addAdditionalConnectors(device);
        deviceConnector = device;
        if (properties.httpRedirectPort() >= 0) {
            Connector redirect = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
            redirect.setPort(properties.httpRedirectPort());
            factory.addAdditionalConnectors(redirect);
            redirectConnector = redirect;
        }
    }

    /** The device port once started, or -1. */
    int deviceLocalPort() {
        return deviceConnector == null ? -1 : deviceConnector.getLocalPort();
    }

    int redirectLocalPort() {
        return redirectConnector == null ? -1 : redirectConnector.getLocalPort();
    }

    private void enableTls(Connector connector, KeyStore clientTrust) {
        connector.setScheme("https");
        connector.setSecure(true);
        AbstractHttp11Protocol<?> protocol = (AbstractHttp11Protocol<?>) connector.getProtocolHandler();
        protocol.setSSLEnabled(true);
        SSLHostConfig ssl = new SSLHostConfig();
        ssl.setHostName("_default_");
        ssl.setProtocols("TLSv1.3");
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.EC);
        certificate.setCertificateKeystore(KeyStores.keyStore(pki.serverCredential(), KEYSTORE_PASSWORD));
        certificate.setCertificateKeystorePassword(new String(KEYSTORE_PASSWORD));
        certificate.setCertificateKeyAlias("doorward");
        ssl.addCertificate(certificate);
        if (clientTrust != null) {
            ssl.setCertificateVerification("required");
            ssl.setTrustStore(clientTrust);
        } else {
            ssl.setCertificateVerification("none");
        }
        protocol.addSslHostConfig(ssl);
    }
}

package dev.doorward.hub.web;

import dev.doorward.crypto.tls.KeyStores;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.pki.HubPki;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Tomcat's connectors, each with one job:
 *
 * <ul>
 *   <li>the browser port (server.port): HTTPS with the hub's certificate, never asks for a client
 *       certificate;
 *   <li>an optional plain-HTTP port that only redirects to HTTPS.
 * </ul>
 *
 * The device port, which requires a client certificate (JSSE has no post-handshake authentication, so it must be
 * its own port), is not Tomcat's: see {@code link.DevicePort}. {@link ConnectorGuard} makes sure each port
 * serves only its own routes.
 */
@Component
class TlsConnectors implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    // Only guards the in-memory keystore handed to Tomcat; never written anywhere.
    private static final char[] KEYSTORE_PASSWORD = "in-memory".toCharArray();

    private final HubProperties properties;
    private final HubPki pki;
    private volatile Connector redirectConnector;

    TlsConnectors(HubProperties properties, HubPki pki) {
        this.properties = properties;
        this.pki = pki;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addConnectorCustomizers(this::enableTls);
        if (properties.addresses().browserAddress() != null) {
            factory.setAddress(properties.addresses().browserAddress());
        }
        if (properties.httpRedirectPort() >= 0) {
            Connector redirect = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
            redirect.setPort(properties.httpRedirectPort());
            if (properties.addresses().httpRedirectAddress() != null) {
                redirect.setProperty(
                        "address", properties.addresses().httpRedirectAddress().getHostAddress());
            }
            factory.addAdditionalConnectors(redirect);
            redirectConnector = redirect;
        }
    }

    int redirectLocalPort() {
        return redirectConnector == null ? -1 : redirectConnector.getLocalPort();
    }

    private void enableTls(Connector connector) {
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
        ssl.setCertificateVerification("none");
        protocol.addSslHostConfig(ssl);
    }
}

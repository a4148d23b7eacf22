package dev.doorward.crypto.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The way devices will actually connect: java.net.http over an SSLEngine. Shows that hostname
 * verification still happens with Doorward's trust managers and that mutual TLS works end to end.
 */
class HttpClientTlsTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration DAY = Duration.ofDays(1);

    private final CertificateAuthority manufacturer =
            CertificateAuthority.create(CertificateKind.MANUFACTURER_CA, "M", DAY, Clock.systemUTC(), RANDOM);
    private final CertificateAuthority hubCa =
            CertificateAuthority.create(CertificateKind.HUB_CA, "Hub", DAY, Clock.systemUTC(), RANDOM);
    private final Credential device = TlsHandshakeTest.deviceCredential(manufacturer, "DW-7");
    private HttpsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void deviceReachesTheHubWithMutualTls() throws Exception {
        URI uri = start(hubCa.issueServerCredential(List.of("127.0.0.1"), DAY));

        HttpResponse<String> response = get(TlsContexts.clientPinned(device, hubCa.fingerprint()), uri);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("CN=DW-7,OU=doorward-device,O=Doorward TLSv1.3");
    }

    @Test
    void hostnameMismatchIsRefusedByJavaNetHttp() throws Exception {
        URI uri = start(hubCa.issueServerCredential(List.of("hub.local"), DAY));

        assertThatThrownBy(() -> get(TlsContexts.client(device, hubCa.certificate()), uri))
                .isInstanceOf(SSLHandshakeException.class);
    }

    private URI start(Credential serverCredential) throws Exception {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(
                new HttpsConfigurator(TlsContexts.server(serverCredential, List.of(manufacturer.certificate()))) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters parameters = TlsContexts.parameters();
                        parameters.setNeedClientAuth(true);
                        params.setSSLParameters(parameters);
                    }
                });
        server.createContext("/", exchange -> {
            var session = ((HttpsExchange) exchange).getSSLSession();
            X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
            byte[] body = (peer.getSubjectX500Principal().getName() + " " + session.getProtocol())
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private static HttpResponse<String> get(SSLContext context, URI uri) throws Exception {
        try (HttpClient client = HttpClient.newBuilder()
                .sslContext(context)
                .sslParameters(TlsContexts.parameters()) // as the device's link transport does
                .connectTimeout(Duration.ofSeconds(5))
                .build()) {
            return client.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}

package dev.doorward.crypto.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real TLS 1.3 handshakes over loopback between contexts built by {@link TlsContexts}. */
class TlsHandshakeTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final Duration DAY = Duration.ofDays(1);
    private static final String SERIAL = "DW-000123";

    private static ExecutorService executor;
    private static CertificateAuthority manufacturer;
    private static CertificateAuthority hubCa;
    private static Credential hubServer;
    private static SSLContext hubLink;
    private static Credential device;

    @BeforeAll
    static void setUp() {
        executor = Executors.newCachedThreadPool();
        manufacturer = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, "Doorward Manufacturer CA", DAY, CLOCK, RANDOM);
        hubCa = CertificateAuthority.create(CertificateKind.HUB_CA, "Hub", DAY, CLOCK, RANDOM);
        hubServer = hubCa.issueServerCredential(List.of("hub.local", "127.0.0.1"), DAY);
        hubLink = TlsContexts.server(hubServer, List.of(manufacturer.certificate(), hubCa.certificate()));
        device = deviceCredential(manufacturer, SERIAL);
    }

    @AfterAll
    static void tearDown() {
        executor.shutdownNow();
    }

    @Test
    void genuineDeviceIsAcceptedOverTls13() throws Exception {
        Outcome outcome = connect(hubLink, TlsContexts.client(device, hubCa.certificate()));

        assertThat(outcome.serverFailure()).isNull();
        assertThat(outcome.clientFailure()).isNull();
        assertThat(outcome.protocol()).isEqualTo("TLSv1.3");
        assertThat(outcome.clientSubject()).isEqualTo("CN=DW-000123,OU=doorward-device,O=Doorward");
    }

    @Test
    void claimedDeviceIsAcceptedWithItsOperationalCertificate() throws Exception {
        KeyPair keyPair = KeyPairs.newP256(RANDOM);
        Credential operational = new Credential(
                keyPair.getPrivate(),
                List.of(hubCa.issueOperationalCertificate(keyPair.getPublic(), "dev-1", DAY), hubCa.certificate()));

        Outcome outcome = connect(hubLink, TlsContexts.client(operational, hubCa.certificate()));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.clientSubject()).isEqualTo("CN=dev-1,OU=doorward-operational,O=Doorward");
    }

    @Test
    void clientWithoutCertificateIsRefused() throws Exception {
        Outcome outcome = connect(hubLink, TlsContexts.client(null, hubCa.certificate()));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
        assertThat(outcome.clientSubject()).isNull();
    }

    @Test
    void selfSignedCertificateWithARealSerialIsRefused() throws Exception {
        Credential forged = TestCertificates.selfSigned(
                "CN=" + SERIAL + ",OU=doorward-device,O=Doorward",
                KeyPurposeId.id_kp_clientAuth,
                false,
                List.of(),
                RANDOM);

        Outcome outcome = connect(hubLink, TlsContexts.client(forged, hubCa.certificate()));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void certificateFromAnImpostorCaWithTheSameNameIsRefused() throws Exception {
        CertificateAuthority impostor = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, "Doorward Manufacturer CA", DAY, CLOCK, RANDOM);

        Outcome outcome = connect(hubLink, TlsContexts.client(deviceCredential(impostor, SERIAL), hubCa.certificate()));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void serverCertificateCannotBeUsedAsAClientCertificate() throws Exception {
        Credential otherServer = hubCa.issueServerCredential(List.of("other.local"), DAY);

        Outcome outcome = connect(hubLink, TlsContexts.client(otherServer, hubCa.certificate()));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void serverWithoutClientAnchorsRefusesEveryClientCertificate() throws Exception {
        Outcome outcome =
                connect(TlsContexts.server(hubServer, List.of()), TlsContexts.client(device, hubCa.certificate()));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void clientRefusesAServerFromAnotherHub() throws Exception {
        CertificateAuthority otherHub = CertificateAuthority.create(CertificateKind.HUB_CA, "Hub", DAY, CLOCK, RANDOM);
        SSLContext rogue = TlsContexts.server(
                otherHub.issueServerCredential(List.of("hub.local"), DAY), List.of(manufacturer.certificate()));

        Outcome outcome = connect(rogue, TlsContexts.client(device, hubCa.certificate()));

        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
        assertThat(outcome.clientSubject()).isNull();
    }

    @Test
    void clientRefusesADeviceCertificateAsServerCertificate() throws Exception {
        // A device of the same hub CA (operational cert, clientAuth only) must not pose as the hub.
        KeyPair keyPair = KeyPairs.newP256(RANDOM);
        Credential operational = new Credential(
                keyPair.getPrivate(),
                List.of(hubCa.issueOperationalCertificate(keyPair.getPublic(), "dev-2", DAY), hubCa.certificate()));

        Outcome outcome = connect(
                TlsContexts.server(operational, List.of(manufacturer.certificate())),
                TlsContexts.client(device, hubCa.certificate()));

        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void hostnameIsVerifiedWhenTheCallerAsksForIt() throws Exception {
        SSLContext client = TlsContexts.client(device, hubCa.certificate());

        assertThat(connect(hubLink, client, "hub.local", true).succeeded()).isTrue();
        assertThat(connect(hubLink, client, "127.0.0.1", true).succeeded()).isTrue();
        assertThat(connect(hubLink, client, "evil.example", true).clientFailure())
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pinnedClientAcceptsTheHubWhoseCaFingerprintItWasShown() throws Exception {
        Outcome outcome = connect(hubLink, TlsContexts.clientPinned(device, hubCa.fingerprint()));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.protocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void pinnedClientRefusesAnotherFingerprint() throws Exception {
        Outcome outcome = connect(hubLink, TlsContexts.clientPinned(device, manufacturer.fingerprint()));

        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pinnedClientRefusesAServerThatOnlyCopiesThePinnedCaIntoItsChain() throws Exception {
        // An attacker can send the real hub CA certificate, but cannot make its own leaf chain to it.
        CertificateAuthority rogueCa = CertificateAuthority.create(CertificateKind.HUB_CA, "Hub", DAY, CLOCK, RANDOM);
        Credential rogueLeaf = rogueCa.issueServerCredential(List.of("hub.local"), DAY);
        Credential rogue =
                new Credential(rogueLeaf.privateKey(), List.of(rogueLeaf.certificate(), hubCa.certificate()));

        Outcome outcome = connect(
                TlsContexts.server(rogue, List.of(manufacturer.certificate())),
                TlsContexts.clientPinned(device, hubCa.fingerprint()));

        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pinnedClientRefusesASelfSignedServer() throws Exception {
        for (boolean ca : new boolean[] {false, true}) {
            Credential selfSigned = TestCertificates.selfSigned(
                    "CN=hub.local,OU=doorward-server,O=Doorward",
                    KeyPurposeId.id_kp_serverAuth,
                    ca,
                    List.of("hub.local"),
                    RANDOM);
            SSLContext server = TlsContexts.server(selfSigned, List.of(manufacturer.certificate()));

            Outcome outcome =
                    connect(server, TlsContexts.clientPinned(device, Fingerprints.of(selfSigned.certificate())));

            assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void pinnedClientRefusesAChainWithoutTheCa() throws Exception {
        Credential leafOnly = new Credential(hubServer.privateKey(), List.of(hubServer.certificate()));

        Outcome outcome = connect(
                TlsContexts.server(leafOnly, List.of(manufacturer.certificate())),
                TlsContexts.clientPinned(device, hubCa.fingerprint()));

        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void pinnedClientNeedsAWellFormedFingerprint() {
        assertThatThrownBy(() -> TlsContexts.clientPinned(device, "not-a-fingerprint"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tls12ClientIsRefused() throws Exception {
        SSLContext legacy = SSLContext.getInstance("TLSv1.2");
        legacy.init(null, new javax.net.ssl.TrustManager[] {PkixTrustManager.forServer(hubCa.certificate())}, null);

        Outcome outcome =
                connect(hubLink, legacy, null, false, socket -> socket.setEnabledProtocols(new String[] {"TLSv1.2"}));

        assertThat(outcome.serverFailure()).isInstanceOf(SSLHandshakeException.class);
        assertThat(outcome.clientFailure()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void everyEngineAndSocketStartsWithTls13Only() throws Exception {
        SSLContext client = TlsContexts.client(device, hubCa.certificate());

        assertThat(TlsContexts.parameters().getProtocols()).containsExactly("TLSv1.3");
        assertThat(TlsContexts.parameters().getNamedGroups()).containsExactly("x25519", "secp256r1");
        assertThat(TlsContexts.PROTOCOLS).containsExactly("TLSv1.3");
        assertThat(client.getDefaultSSLParameters().getProtocols()).containsExactly("TLSv1.3");
        SSLEngine engine = hubLink.createSSLEngine();
        assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(engine.getSSLParameters().getNamedGroups()).containsExactly("x25519", "secp256r1");
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket()) {
            assertThat(socket.getEnabledProtocols()).containsExactly("TLSv1.3");
        }
        try (SSLServerSocket socket =
                (SSLServerSocket) hubLink.getServerSocketFactory().createServerSocket()) {
            assertThat(socket.getEnabledProtocols()).containsExactly("TLSv1.3");
        }
        assertThatThrownBy(() -> client.init(null, null, null))
                .isInstanceOf(java.security.KeyManagementException.class);
    }

    static Credential deviceCredential(CertificateAuthority manufacturer, String serial) {
        KeyPair keyPair = KeyPairs.newP256(RANDOM);
        X509Certificate certificate = manufacturer.issueDeviceCertificate(keyPair.getPublic(), serial, DAY);
        return new Credential(keyPair.getPrivate(), List.of(certificate));
    }

    record Outcome(Throwable serverFailure, Throwable clientFailure, String protocol, String clientSubject) {
        boolean succeeded() {
            return serverFailure == null && clientFailure == null;
        }
    }

    interface SocketCustomizer {
        void customize(SSLSocket socket) throws IOException;
    }

    static Outcome connect(SSLContext server, SSLContext client) throws Exception {
        return connect(server, client, null, false, socket -> {});
    }

    static Outcome connect(SSLContext server, SSLContext client, String host, boolean verifyHostname) throws Exception {
        return connect(server, client, host, verifyHostname, socket -> {});
    }

    /**
     * One handshake against a server socket that requires a client certificate. The server writes one
     * byte after the handshake and waits for one back, so a refusal on either side surfaces on both.
     */
    static Outcome connect(
            SSLContext server, SSLContext client, String host, boolean verifyHostname, SocketCustomizer customizer)
            throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (SSLServerSocket listener =
                (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            listener.setNeedClientAuth(true);
            listener.setSoTimeout(10_000);
            CompletableFuture<String> serverSide = CompletableFuture.supplyAsync(
                    () -> {
                        try (SSLSocket socket = (SSLSocket) listener.accept()) {
                            socket.setSoTimeout(10_000);
                            socket.startHandshake();
                            X509Certificate peer =
                                    (X509Certificate) socket.getSession().getPeerCertificates()[0];
                            socket.getOutputStream().write(42);
                            socket.getOutputStream().flush();
                            if (socket.getInputStream().read() != 1) {
                                throw new IOException("The client hung up");
                            }
                            return peer.getSubjectX500Principal().getName();
                        } catch (IOException e) {
                            throw new CompletionException(e);
                        }
                    },
                    executor);

            Throwable clientFailure = null;
            String protocol = null;
            try (Socket plain = new Socket(loopback, listener.getLocalPort());
                    SSLSocket socket = (SSLSocket) client.getSocketFactory()
                            .createSocket(
                                    plain, host == null ? loopback.getHostAddress() : host, plain.getPort(), true)) {
                socket.setSoTimeout(10_000);
                customizer.customize(socket);
                if (verifyHostname) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    socket.setSSLParameters(parameters);
                }
                socket.startHandshake();
                protocol = socket.getSession().getProtocol();
                if (socket.getInputStream().read() != 42) {
                    throw new IOException("The server hung up");
                }
                socket.getOutputStream().write(1);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                clientFailure = e;
            }

            Throwable serverFailure = null;
            String subject = null;
            try {
                subject = serverSide.get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                serverFailure = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
            }
            return new Outcome(serverFailure, clientFailure, protocol, subject);
        }
    }
}

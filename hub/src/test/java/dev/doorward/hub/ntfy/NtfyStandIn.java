package dev.doorward.hub.ntfy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.tls.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A self-hosted ntfy server on loopback, as far as publishing goes: HTTPS POST of a plain-text body to /topic. */
final class NtfyStandIn implements AutoCloseable {
    record Post(String topic, String contentType, String body) {}

    private final HttpsServer server;
    private final Path caFile;
    final List<Post> posts = new CopyOnWriteArrayList<>();

    private NtfyStandIn(HttpsServer server, Path caFile) {
        this.server = server;
        this.caFile = caFile;
    }

    static NtfyStandIn start(Path dir) {
        try {
            CertificateAuthority ca = CertificateAuthority.create(
                    CertificateKind.HUB_CA, "Test ntfy CA", Duration.ofDays(2), Clock.systemUTC(), new SecureRandom());
            Credential credential = ca.issueServerCredential(List.of("localhost"), Duration.ofDays(1));
            Files.createDirectories(dir);
            Path caFile = dir.resolve("ntfy-ca.crt");
            Files.writeString(caFile, Pem.certificate(ca.certificate()));
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.server(credential, List.of())));
            NtfyStandIn standIn = new NtfyStandIn(server, caFile);
            server.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (exchange.getRequestMethod().equals("POST")) {
                    standIn.posts.add(new Post(
                            exchange.getRequestURI().getPath().substring(1),
                            exchange.getRequestHeaders().getFirst("Content-Type"),
                            body));
                }
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return standIn;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String topicUrl(String topic) {
        return "https://localhost:" + server.getAddress().getPort() + "/" + topic;
    }

    Path caFile() {
        return caFile;
    }

    long postsTo(String topic) {
        return posts.stream().filter(p -> p.topic().equals(topic)).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

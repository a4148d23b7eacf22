package dev.doorward.hub.testing;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Debian's Mosquitto on loopback for tests, as a household runs it for Home Assistant: TLS with its own CA (made
 * here, never committed), password files, no anonymous access, no persistence (so a restart forgets retained
 * messages, as a broker that lost its disk would). Stop and start it again on the same port.
 */
public final class Mosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int clientCertificatePort;
    private final CertificateAuthority ca;
    private Process process;

    private Mosquitto(Path dir, int port, int clientCertificatePort, CertificateAuthority ca) {
        this.dir = dir;
        this.port = port;
        this.clientCertificatePort = clientCertificatePort;
        this.ca = ca;
    }

    /** A broker with these users (name, password, name, password …). */
    public static Mosquitto start(Path dir, String... usersAndPasswords) {
        try {
            Files.createDirectories(dir);
            CertificateAuthority ca = CertificateAuthority.create(
                    CertificateKind.HUB_CA,
                    "Test broker CA",
                    Duration.ofDays(2),
                    Clock.systemUTC(),
                    new SecureRandom());
            Credential server = ca.issueServerCredential(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
            Files.writeString(dir.resolve("ca.crt"), Pem.certificate(ca.certificate()));
            Files.writeString(dir.resolve("server.crt"), Pem.certificates(server.chain()));
            Files.writeString(dir.resolve("server.key"), Pem.privateKey(server.privateKey()));
            Path passwords = dir.resolve("passwd");
            Files.writeString(passwords, "");
            for (int i = 0; i + 1 < usersAndPasswords.length; i += 2) {
                run("mosquitto_passwd", "-b", passwords.toString(), usersAndPasswords[i], usersAndPasswords[i + 1]);
            }
            int port = freePort();
            int clientCertificatePort = freePort();
            Files.writeString(
                    dir.resolve("mosquitto.conf"),
                    String.join(
                            "\n",
                            "user root",
                            "persistence false",
                            "log_dest file " + dir.resolve("mosquitto.log"),
                            "log_type all",
                            "per_listener_settings false",
                            "allow_anonymous false",
                            "password_file " + passwords,
                            "listener " + port + " 127.0.0.1",
                            "cafile " + dir.resolve("ca.crt"),
                            "certfile " + dir.resolve("server.crt"),
                            "keyfile " + dir.resolve("server.key"),
                            "require_certificate false",
                            // A second listener that also wants a client certificate from the broker's CA.
                            "listener " + clientCertificatePort + " 127.0.0.1",
                            "cafile " + dir.resolve("ca.crt"),
                            "certfile " + dir.resolve("server.crt"),
                            "keyfile " + dir.resolve("server.key"),
                            "require_certificate true",
                            ""));
            Mosquitto broker = new Mosquitto(dir, port, clientCertificatePort, ca);
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the broker (again) on its port. */
    public void start() {
        try {
            process = new ProcessBuilder(
                            "mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("mosquitto exited: " + output());
                }
                sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port + ": " + output());
    }

    /** Stops the broker; what it retained is gone (no persistence). */
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public int port() {
        return port;
    }

    /** The listener that refuses a client without a certificate from the broker's CA (and still wants a password). */
    public int clientCertificatePort() {
        return clientCertificatePort;
    }

    private static int freePort() {
        return FreePorts.on("127.0.0.1");
    }

    /** The broker's CA, as the owner pastes it into Doorward. */
    public String caPem() {
        return Pem.certificate(ca.certificate());
    }

    public Path caFile() {
        return dir.resolve("ca.crt");
    }

    /** A client certificate the broker's CA issued (the hub's, when the broker asks for one): cert PEM, key PEM. */
    public String[] clientCertificate() {
        KeyPair pair = KeyPairs.newP256(new SecureRandom());
        var certificate =
                ca.issueOperationalCertificate(pair.getPublic(), "AAAAAAAAAAAAAAAAAAAAAA", Duration.ofDays(1));
        return new String[] {Pem.certificate(certificate), Pem.privateKey(pair.getPrivate())};
    }

    /** How many lines of the broker's log contain {@code text} (e.g. "as doorward-…": a client's connections). */
    public long logLines(String text) {
        try (var lines = Files.lines(dir.resolve("mosquitto.log"))) {
            return lines.filter(line -> line.contains(text)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("mosquitto.out"));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}

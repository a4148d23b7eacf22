package dev.doorward.faults;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.hub.HubApplication;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real hub ({@link HubApplication#main}) in a JVM of its own, so a test can kill it with {@code -9} as a crash
 * or a power cut would, and start it again on the same ports and data (doorbells keep the URL they were claimed
 * with). Its embedded PostgreSQL is a process of its own too, found by its {@code postmaster.pid}.
 */
final class HubJvm implements AutoCloseable {
    private final Path dir;
    private final Path manufacturerCa;
    private final int browserPort;
    private final int devicePort;
    private final int livePort;
    private Process process;
    private int starts;

    HubJvm(Path dir, Path manufacturerCa) {
        this.dir = dir;
        this.manufacturerCa = manufacturerCa;
        // Free ephemeral ports, chosen once: the hub comes back on the same ones after every fault.
        this.browserPort = freePort();
        this.devicePort = freePort();
        this.livePort = freePort();
    }

    Path dataDir() {
        return dir.resolve("hub");
    }

    /** Starts the hub and returns once both its ports accept connections. */
    Duration start(Duration timeout) throws IOException, InterruptedException {
        if (running()) {
            throw new IllegalStateException("the hub is already running");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        // Under surefire this is its manifest-only jar, which names the hub's classes and every library.
        command.add(System.getProperty("java.class.path"));
        command.add(HubApplication.class.getName());
        command.add("--server.port=" + browserPort);
        command.add("--doorward.device-port=" + devicePort);
        command.add("--doorward.live-port=" + livePort);
        command.add("--doorward.http-redirect-port=-1");
        command.add("--doorward.data-dir=" + dataDir());
        command.add("--doorward.manufacturer-ca-certificate=" + manufacturerCa);
        command.add("--doorward.database.binaries-dir="
                + Path.of("target", "postgres-binaries").toAbsolutePath());
        command.add("--spring.main.banner-mode=off");
        Files.createDirectories(dir);
        // Kept after the test's temporary directory is gone, for a look at what the hub did.
        Path log = Path.of("target", "fault-logs", "hub-" + ++starts + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        long started = System.nanoTime();
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = started + timeout.toNanos();
        while (!(accepts(devicePort) && accepts(browserPort))) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the hub exited with " + process.exitValue() + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                // Not left half-started under the next case.
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new IllegalStateException("the hub did not start within " + timeout);
            }
            Thread.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no orderly stop; its PostgreSQL is left as it is. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the hub did not die");
        }
    }

    /** SIGTERM: the orderly stop an operator's service manager does. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the hub did not stop within 60 s");
        }
    }

    /** The embedded PostgreSQL server's process, from its postmaster.pid. */
    Optional<ProcessHandle> postgres() throws IOException {
        Path pidFile = dataDir().resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(lines.getFirst().strip())).filter(ProcessHandle::isAlive);
    }

    /** SIGKILL to the database server, as the out-of-memory killer or a crash would. */
    long killPostgres() throws Exception {
        ProcessHandle postgres = postgres().orElseThrow(() -> new IllegalStateException("no PostgreSQL running"));
        // The server and its backends at once, as a crash of the machine's processes would leave them.
        List<ProcessHandle> all = new ArrayList<>(postgres.descendants().toList());
        all.add(postgres);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : all) {
            process.onExit().get(30, TimeUnit.SECONDS);
        }
        return postgres.pid();
    }

    URI browserUrl() {
        return URI.create("https://localhost:" + browserPort + "/");
    }

    X509Certificate hubCa() {
        try {
            return Pem.parseCertificate(Files.readString(dataDir().resolve("pki/hub-ca/ca.crt")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    BrowserClient browser() {
        return BrowserClient.of(browserUrl(), hubCa());
    }

    String setupToken() throws IOException {
        String link = Files.readString(dataDir().resolve("setup-link.txt")).strip();
        return link.substring(link.indexOf("#setup=") + "#setup=".length());
    }

    /** Stops the hub and, should it have left one, its database server: nothing of the test outlives it. */
    @Override
    public void close() throws Exception {
        if (running()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        Optional<ProcessHandle> leftover = postgres();
        if (leftover.isPresent()) {
            leftover.get().destroy();
            leftover.get().onExit().get(30, TimeUnit.SECONDS);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Below the ephemeral range: no outgoing connection takes it while the hub is down (FreePorts). */
    private static int freePort() {
        return FreePorts.on();
    }
}

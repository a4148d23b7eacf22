package dev.doorward.hub.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real NATS server (Debian's {@code nats-server}) on a loopback port of its own choosing, with one user and password,
 * as the cluster's nodes log in. It can be stopped and started again on the same port, like a NATS outage.
 */
public final class NatsServer implements AutoCloseable {
    private static final Pattern LISTENING =
            Pattern.compile("Listening for client connections on 127\\.0\\.0\\.1:(\\d+)");

    private final Path dir;
    private final String user;
    private final String password;
    private Process process;
    private int port = -1;

    private NatsServer(Path dir, String user, String password) {
        this.dir = dir;
        this.user = user;
        this.password = password;
    }

    public static NatsServer start(Path dir, String user, String password) {
        NatsServer server = new NatsServer(dir, user, password);
        server.start();
        return server;
    }

    /** Starts it (again): on a free port the first time, on the same port after that; nothing if it runs. */
    public void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("nats.conf");
            Files.writeString(
                    conf,
                    "listen: 127.0.0.1:" + port + "\n" + "authorization { user: \"" + user + "\", password: \""
                            + password + "\" }\n");
            Path log = dir.resolve("nats.log");
            Files.deleteIfExists(log);
            process = new ProcessBuilder("nats-server", "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                Matcher listening = LISTENING.matcher(Files.exists(log) ? Files.readString(log) : "");
                if (listening.find()) {
                    port = Integer.parseInt(listening.group(1));
                    return;
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("nats-server did not start: " + Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops it (the nodes see their connection drop). */
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
    }
}

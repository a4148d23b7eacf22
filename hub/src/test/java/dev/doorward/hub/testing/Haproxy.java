package dev.doorward.hub.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's HAProxy as a process of its own, with a configuration the test writes; stopped on close. */
public final class Haproxy implements AutoCloseable {
    private final Process process;
    private final Path log;

    private Haproxy(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Checks the configuration, starts HAProxy in the foreground and waits until it listens on every one of
     * {@code binds}.
     */
    public static Haproxy start(Path dir, String configuration, List<InetSocketAddress> binds) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("haproxy.cfg");
            Files.writeString(config, configuration);
            Path log = dir.resolve("haproxy.log");
            Process check = new ProcessBuilder(executable(), "-c", "-q", "-f", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!check.waitFor(20, TimeUnit.SECONDS) || check.exitValue() != 0) {
                throw new IllegalStateException("HAProxy refused its configuration: " + Files.readString(log));
            }
            Process process = new ProcessBuilder(executable(), "-db", "-f", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Haproxy haproxy = new Haproxy(process, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (InetSocketAddress bind : binds) {
                while (!accepts(bind)) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        haproxy.close();
                        throw new IllegalStateException("HAProxy did not open " + bind + ": " + Files.readString(log));
                    }
                    Thread.sleep(50);
                }
            }
            return haproxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A port free on every one of these addresses right now (a node listens on it at one address, HAProxy at
     * another, as in a cluster where both use the same port number).
     */
    public static int freePortOn(String... addresses) {
        return FreePorts.on(addresses);
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String executable() {
        return Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

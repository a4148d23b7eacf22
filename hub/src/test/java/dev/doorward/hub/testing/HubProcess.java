package dev.doorward.hub.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A hub in a JVM of its own ({@link TestHub} in a child process), for tests that kill it with {@code -9} as a
 * crash or a power cut would. Its data directory is the test's, so a {@link TestHub} started on the same directory
 * afterwards is the same hub starting again.
 */
public final class HubProcess implements AutoCloseable {
    private static final String READY_FILE = "hub-process.ready";

    private final Process process;
    private final Path dir;

    private HubProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** Starts the hub in a new JVM and returns once it is serving (or fails after {@code timeout}). */
    public static HubProcess start(Path dir, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(READY_FILE));
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        // Under surefire this is its manifest-only jar, which names every test and main class path entry.
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add(dir.toAbsolutePath().toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("hub-process.log").toFile())
                .start();
        HubProcess hub = new HubProcess(process, dir);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(dir.resolve(READY_FILE))) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the hub process exited with " + process.exitValue() + ", see "
                        + dir.resolve("hub-process.log"));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the hub process did not start in " + timeout);
            }
            Thread.sleep(100);
        }
        return hub;
    }

    public long pid() {
        return process.pid();
    }

    /** Kills the hub's JVM with SIGKILL: no shutdown hook, no orderly stop, its children left as they are. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the hub process did not die");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** The child JVM: a hub with a first owner, then it says it is ready and serves until killed. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            TestHub hub = TestHub.start(dir);
            Household.firstOwner(hub);
            try {
                Files.writeString(dir.resolve(READY_FILE), Integer.toString(hub.browserPort()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread.currentThread().join();
        }
    }
}

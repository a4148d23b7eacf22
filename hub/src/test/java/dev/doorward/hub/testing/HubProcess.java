package dev.doorward.hub.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A hub in a JVM of its own ({@link TestHub} in a child process), for tests that kill it with {@code -9} as a
 * crash or a power cut would. Its data directory is the test's, so a {@link TestHub} started on the same directory
 * afterwards is the same hub starting again.
 */
public final class HubProcess implements AutoCloseable {
    private static final String READY_FILE = "hub-process.ready";
    private static final String PROPERTIES_FILE = "hub-process.properties";
    /** Not a hub setting: tells the child whether to make the first owner (a cluster's first node only). */
    private static final String FIRST_OWNER = "hub-process.first-owner";

    private final Process process;
    private final Path dir;

    private HubProcess(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** Starts the hub in a new JVM and returns once it is serving (or fails after {@code timeout}). */
    public static HubProcess start(Path dir, Duration timeout) throws IOException, InterruptedException {
        return start(dir, Map.of(), true, timeout);
    }

    /**
     * Starts a hub in a new JVM with settings of the test's own (a cluster node's: its addresses, the shared
     * database, doorward.cluster.*), making the first owner only if {@code firstOwner}; returns once it is serving.
     * The settings go to the child in a file in {@code dir}, not on its command line.
     */
    public static HubProcess start(Path dir, Map<String, String> properties, boolean firstOwner, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(READY_FILE));
        Properties settings = new Properties();
        settings.putAll(properties);
        settings.setProperty(FIRST_OWNER, Boolean.toString(firstOwner));
        try (var out = Files.newOutputStream(dir.resolve(PROPERTIES_FILE))) {
            settings.store(out, null);
        }
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
            Map<String, String> properties = new LinkedHashMap<>();
            boolean firstOwner = true;
            Path settingsFile = dir.resolve(PROPERTIES_FILE);
            if (Files.exists(settingsFile)) {
                Properties settings = new Properties();
                try (var in = Files.newInputStream(settingsFile)) {
                    settings.load(in);
                }
                firstOwner = Boolean.parseBoolean(settings.getProperty(FIRST_OWNER, "true"));
                settings.remove(FIRST_OWNER);
                settings.stringPropertyNames().forEach(name -> properties.put(name, settings.getProperty(name)));
            }
            TestHub hub = TestHub.start(dir, properties);
            if (firstOwner) {
                Household.firstOwner(hub);
            }
            try {
                Files.writeString(dir.resolve(READY_FILE), Integer.toString(hub.browserPort()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread.currentThread().join();
        }
    }
}

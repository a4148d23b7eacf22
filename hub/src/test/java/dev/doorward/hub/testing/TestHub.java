package dev.doorward.hub.testing;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.HubApplication;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.protocol.testing.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real hub for tests: the Spring Boot application with its embedded PostgreSQL, real TLS on loopback
 * ports, its own data directory and a manufacturer CA made for the test. It can be stopped and started
 * again on the same ports and data, like a hub restart.
 */
public final class TestHub implements AutoCloseable {
    /** The embedded PostgreSQL's programs, shared by the hubs of one module's test run. */
    public static final Path POSTGRES_BINARIES =
            Path.of("target", "postgres-binaries").toAbsolutePath();

    private final Path dir;
    private final Map<String, String> extraProperties;
    private final Clock clockOrNull;
    private final List<DeviceAgent> agents = new ArrayList<>();
    private Path dataDir;
    private ConfigurableApplicationContext context;
    private int browserPort;
    private int devicePort;
    private int livePort;

    private TestHub(Path dir, Map<String, String> extraProperties, Clock clockOrNull) {
        this.dir = dir;
        this.dataDir = dir.resolve("hub");
        this.extraProperties = extraProperties;
        this.clockOrNull = clockOrNull;
    }

    /** Starts a hub in {@code dir} (manufacturer CA under dir/factory-ca, hub data under dir/hub). */
    public static TestHub start(Path dir) {
        return start(dir, Map.of());
    }

    public static TestHub start(Path dir, Map<String, String> extraProperties) {
        return start(dir, extraProperties, null);
    }

    /** A hub whose own clock is the test's (a {@link MutableClock}): its time rules are tested without waiting. */
    public static TestHub start(Path dir, Map<String, String> extraProperties, Clock clock) {
        TestHub hub = new TestHub(dir, extraProperties, clock);
        Path caDir = hub.manufacturerCaDir();
        if (!CertificateAuthority.exists(caDir)) {
            CertificateAuthority.create(
                            CertificateKind.MANUFACTURER_CA,
                            "Test manufacturer",
                            Duration.ofDays(3650),
                            Clock.systemUTC(),
                            new SecureRandom())
                    .save(caDir);
        }
        hub.startApplication(0, 0, 0);
        return hub;
    }

    /**
     * Another node of the same hub: it works on {@code first}'s PostgreSQL (its embedded server, as an external
     * database) and trusts the same manufacturer CA; its hub keys come from the cluster's shared store (the first
     * node put them there), as on real machines. {@code extraProperties} holds the node's own settings
     * (doorward.cluster.*).
     */
    public static TestHub startNode(Path dir, TestHub first, Map<String, String> extraProperties) {
        try {
            copyTree(first.manufacturerCaDir(), dir.resolve("factory-ca"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> properties = new LinkedHashMap<>(first.databaseSettings());
        properties.putAll(extraProperties);
        return start(dir, properties);
    }

    /**
     * The settings that point another hub at this hub's embedded PostgreSQL as an external database: its loopback
     * port (from the server's {@code postmaster.pid}), the hub's role and the file its password is kept in.
     */
    public Map<String, String> databaseSettings() {
        Path postgres = dataDir.resolve("postgres");
        try {
            String port = Files.readAllLines(postgres.resolve("postmaster.pid"))
                    .get(3)
                    .strip();
            return Map.of(
                    "doorward.database.url",
                    "jdbc:postgresql://127.0.0.1:" + port + "/doorward",
                    "doorward.database.username",
                    "doorward",
                    "doorward.database.password-file",
                    postgres.resolve("hub-password").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private void startApplication(int browser, int device, int live) {
        HubApplication.configureTls();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", Integer.toString(browser));
        properties.put("doorward.device-port", Integer.toString(device));
        properties.put("doorward.live-port", Integer.toString(live));
        properties.put("doorward.http-redirect-port", "-1");
        properties.put("doorward.data-dir", dataDir.toString());
        properties.put(
                "doorward.manufacturer-ca-certificate",
                manufacturerCaDir().resolve("ca.crt").toString());
        properties.put("spring.main.banner-mode", "off");
        // Unpacked once for every hub of a test run, not once per data directory.
        properties.put("doorward.database.binaries-dir", POSTGRES_BINARIES.toString());
        properties.putAll(extraProperties);
        String[] args = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        SpringApplication application = new SpringApplication(HubApplication.class);
        if (clockOrNull != null) {
            application.addInitializers(context -> context.getBeanFactory().registerSingleton("clock", clockOrNull));
        }
        context = application.run(args);
        HubPorts ports = context.getBean(HubPorts.class);
        browserPort = ports.browserPort();
        devicePort = ports.devicePort();
        livePort = ports.livePort();
    }

    /** Stops the hub (devices see their links drop) without forgetting its data or ports. */
    public void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /** Starts a stopped hub again on the same ports with the same data. */
    public void restart() {
        stop();
        startApplication(browserPort, devicePort, livePort);
    }

    /** Starts a stopped hub again with the same data but new ports: the hub has moved to a new address. */
    public void restartOnNewPorts() {
        stop();
        startApplication(0, 0, 0);
    }

    /**
     * Starts a stopped hub again on the same ports from another data directory: the hub's machine was replaced
     * and its data restored from a backup.
     */
    public void restartFrom(Path newDataDir) {
        stop();
        dataDir = newDataDir;
        startApplication(browserPort, devicePort, livePort);
    }

    public boolean running() {
        return context != null && context.isActive();
    }

    /** Publishes an application event in the running hub, as one of its own parts would. */
    public void publish(Object event) {
        context.publishEvent(event);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path manufacturerCaDir() {
        return dir.resolve("factory-ca");
    }

    public int browserPort() {
        return browserPort;
    }

    public int devicePort() {
        return devicePort;
    }

    /** The live port: live views without the servlet container (the web app's first choice). */
    public int livePort() {
        return livePort;
    }

    public URI browserUrl() {
        return URI.create("https://localhost:" + browserPort + "/");
    }

    public X509Certificate hubCaCertificate() {
        return context.getBean(HubPki.class).hubCa().certificate();
    }

    /** The one-time setup link the hub printed (and wrote to its data dir) on first start. */
    public String setupLink() {
        try {
            return Files.readString(dataDir().resolve("setup-link.txt")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String setupToken() {
        String link = setupLink();
        return link.substring(link.indexOf("#setup=") + "#setup=".length());
    }

    /** What a manufacturer does: a new doorbell identity with a setup code, signed by this hub's trusted CA. */
    public MintedDevice mintDevice(String name) {
        return Factory.mint(
                manufacturerCaDir(), dir.resolve("devices").resolve(name), Clock.systemUTC(), new SecureRandom());
    }

    /** Powers a doorbell on, with test-friendly reconnect timings. Closed with the hub. */
    public DeviceAgent startDevice(MintedDevice device) {
        return startDevice(device, UnaryOperator.identity());
    }

    /** Powers a doorbell on with settings of the test's own (a mutable clock, a short reset hold …). */
    public DeviceAgent startDevice(MintedDevice device, UnaryOperator<DeviceConfig> settings) {
        DeviceAgent agent = DeviceAgent.start(settings.apply(DeviceConfig.of(device.deviceDir())
                .withReconnect(Duration.ofMillis(100), Duration.ofMillis(500))
                .withScanInterval(Duration.ofMillis(100))));
        agents.add(agent);
        return agent;
    }

    public BrowserClient browser() {
        return new BrowserClient(browserUrl(), hubCaCertificate());
    }

    /**
     * A browser on another machine, as the hub sees it: its connections come from this loopback address (e.g.
     * 127.0.0.2; all of 127/8 is loopback) to the hub's {@code localhost}.
     */
    public BrowserClient browserFrom(String loopbackAddress) {
        try {
            return new BrowserClient(
                    URI.create("https://127.0.0.1:" + browserPort + "/"),
                    hubCaCertificate(),
                    java.net.InetAddress.getByName(loopbackAddress));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() {
        agents.forEach(DeviceAgent::close);
        stop();
    }
}

package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Haproxy;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.HubProcess;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.PacedPresses;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Three hub nodes, each a JVM of its own, behind a real HAProxy, with real doorbells connected to HAProxy's device
 * port (issue 17): one node is killed with SIGKILL while the doorbells are pressed at a steady pace. Its doorbells are
 * back on the other nodes within seconds, and every press made is stored exactly once (a doorbell keeps a ring in its
 * outbox until a hub acknowledges it stored; one the dead node stored but did not acknowledge is sent again and
 * stored once).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeKilledTest {
    private static final String BALANCER = "127.0.0.1";
    private static final String PROXY_SOURCE = "127.0.0.5";
    private static final List<String> NODES = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4");
    private static final List<String> NAMES = List.of("a", "b", "c");
    /**
     * Six in the suite; up to ten for a measurement ({@code -Dcluster-measurement.doorbells=}): one account may start
     * ten claims an hour.
     */
    private static final int DOORBELLS = Integer.getInteger("cluster-measurement.doorbells", 6);

    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** How long the doorbells of a killed node may take to be back: generous for a loaded 2-core machine. */
    private static final Duration BACK_WITHIN = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    static EmbeddedPostgres postgres;
    static NatsServer nats;
    static Haproxy haproxy;
    static final HubProcess[] nodes = new HubProcess[3];
    static final List<DeviceAgent> doorbells = new ArrayList<>();
    static int browserPort;
    static int devicePort;
    static int livePort;
    static int statsPort;
    static Household owner;

    @BeforeAll
    static void startThreeNodesBehindHaproxy() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        Path passwordFile = dir.resolve("db-password");
        Files.writeString(passwordFile, "postgres\n");
        byte[] secretText = "the killed node's cluster join secret, 32+ bytes".getBytes(StandardCharsets.US_ASCII);
        Path secretFile = dir.resolve("join-secret");
        Files.write(secretFile, secretText);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        nats = NatsServer.start(
                dir.resolve("nats"), ClusterKeys.NATS_USER, ClusterKeys.natsPassword(JoinSecret.of(secretText)));
        String[] everyAddress = {BALANCER, NODES.get(0), NODES.get(1), NODES.get(2)};
        browserPort = Haproxy.freePortOn(everyAddress);
        devicePort = Haproxy.freePortOn(everyAddress);
        livePort = Haproxy.freePortOn(everyAddress);
        statsPort = Haproxy.freePortOn(BALANCER);
        Path manufacturerCa = dir.resolve("factory-ca");
        CertificateAuthority.create(
                        CertificateKind.MANUFACTURER_CA,
                        "Test manufacturer",
                        Duration.ofDays(3650),
                        Clock.systemUTC(),
                        new SecureRandom())
                .save(manufacturerCa);
        Map<String, String> shared = new HashMap<>(Map.of(
                "doorward.database.url",
                postgres.getJdbcUrl("postgres", "postgres").replaceAll("\\?.*", ""),
                "doorward.database.username",
                "postgres",
                "doorward.database.password-file",
                passwordFile.toString(),
                "doorward.cluster.nats-urls",
                nats.url(),
                "doorward.cluster.join-secret-file",
                secretFile.toString(),
                "doorward.cluster.trusted-proxies",
                PROXY_SOURCE,
                "doorward.manufacturer-ca-certificate",
                manufacturerCa.resolve("ca.crt").toString(),
                "server.port",
                Integer.toString(browserPort),
                "doorward.device-port",
                Integer.toString(devicePort)));
        shared.put("doorward.live-port", Integer.toString(livePort));

        // Node A alone first: claim tickets are still one node's memory, so the doorbells are claimed while HAProxy
        // has no other node to send them to.
        nodes[0] = HubProcess.start(dir.resolve("a"), node(shared, 0), false, START);
        haproxy = Haproxy.start(
                dir.resolve("haproxy"),
                haproxyConfig(),
                List.of(new InetSocketAddress(BALANCER, devicePort), new InetSocketAddress(BALANCER, statsPort)));
        awaitDeviceServers(Map.of("node-a", "UP", "node-b", "DOWN", "node-c", "DOWN"), WAIT);
        owner = firstOwner();
        for (int i = 0; i < DOORBELLS; i++) {
            MintedDevice minted = Factory.mint(
                    manufacturerCa, dir.resolve("devices").resolve("d" + i), Clock.systemUTC(), new SecureRandom());
            DeviceAgent agent = startDoorbell(minted.deviceDir());
            doorbells.add(agent);
            owner.claim(agent, minted.setupCode());
        }

        if (Boolean.getBoolean("cluster-measurement")) {
            // The baseline: node A alone, every doorbell on it (a cluster node with nobody else listening on NATS).
            measureRings(List.of(NODES.get(0)), "node A alone (B and C not started yet)");
        }

        // Nodes B and C join (started side by side: each is a JVM starting Spring on a 2-core machine).
        try (ExecutorService starting = Executors.newFixedThreadPool(2)) {
            List<Future<HubProcess>> started = new ArrayList<>();
            for (int i = 1; i < 3; i++) {
                int index = i;
                started.add(starting.submit(
                        () -> HubProcess.start(dir.resolve(NAMES.get(index)), node(shared, index), false, START)));
            }
            nodes[1] = started.get(0).get();
            nodes[2] = started.get(1).get();
        }
        awaitDeviceServers(Map.of("node-a", "UP", "node-b", "UP", "node-c", "UP"), WAIT);
        // The doorbells power-cycle so that HAProxy spreads their links over the three nodes.
        for (int i = 0; i < DOORBELLS; i++) {
            Path deviceDir = dir.resolve("devices").resolve("d" + i);
            doorbells.get(i).close();
            doorbells.set(i, startDoorbell(deviceDir));
        }
        for (DeviceAgent doorbell : doorbells) {
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
        }
    }

    private static Map<String, String> node(Map<String, String> shared, int index) {
        Map<String, String> settings = new HashMap<>(shared);
        String address = NODES.get(index);
        settings.put("doorward.cluster.node-name", "node-" + NAMES.get(index));
        settings.put("doorward.addresses.browser", address);
        settings.put("doorward.addresses.device", address);
        settings.put("doorward.addresses.live", address);
        // So that the test's browser can reach node A itself, as a machine inside the cluster's network could.
        settings.put("doorward.extra-host-names", address);
        return settings;
    }

    /**
     * The shipped cluster/haproxy.cfg.template (what ./doorward cluster runs), filled in for this machine, with one
     * change: the device port is balanced round-robin. Every doorbell here connects from 127.0.0.1, and the
     * template's {@code balance source} would put them all on one node.
     */
    private static String haproxyConfig() throws Exception {
        Path nodeA = dir.resolve("a").resolve("hub").resolve("pki");
        Path pem = dir.resolve("haproxy").resolve("browser.pem");
        Files.createDirectories(pem.getParent());
        Files.writeString(
                pem, Files.readString(nodeA.resolve("server.crt")) + Files.readString(nodeA.resolve("server.key")));
        String template = Files.readString(Path.of("..", "cluster", "haproxy.cfg.template"));
        String sourceBalance = "    balance source\n    hash-type consistent\n";
        assertThat(template).contains(sourceBalance);
        return template.replace(sourceBalance, "    balance roundrobin\n")
                .replace("@BIND@", BALANCER)
                .replace("@PROXY_SOURCE@", PROXY_SOURCE)
                .replace("@NODE_A@", NODES.get(0))
                .replace("@NODE_B@", NODES.get(1))
                .replace("@NODE_C@", NODES.get(2))
                .replace("@DEVICE_PORT@", Integer.toString(devicePort))
                .replace("@LIVE_PORT@", Integer.toString(livePort))
                .replace("@BROWSER_PORT@", Integer.toString(browserPort))
                .replace("@STATS_PORT@", Integer.toString(statsPort))
                .replace("@BROWSER_PEM@", pem.toString())
                .replace("@HUB_CA@", nodeA.resolve("hub-ca").resolve("ca.crt").toString())
                .replace("@PUBLIC_HOST@", "localhost");
    }

    /** The first account, through node A's setup link, straight to node A. */
    private static Household firstOwner() throws Exception {
        Path data = dir.resolve("a").resolve("hub");
        BrowserClient browser = BrowserClient.of(
                URI.create("https://" + NODES.get(0) + ":" + browserPort + "/"),
                Pem.parseCertificate(Files.readString(data.resolve("pki/hub-ca/ca.crt"))));
        String link = Files.readString(data.resolve("setup-link.txt")).strip();
        String token = link.substring(link.indexOf("#setup=") + "#setup=".length());
        assertThat(browser.setup(token, "owner", Household.PASSWORD).status()).isEqualTo(201);
        assertThat(browser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
        return new Household(browser, "owner", browser.householdId());
    }

    private static DeviceAgent startDoorbell(Path deviceDir) {
        return DeviceAgent.start(DeviceConfig.of(deviceDir)
                .withReconnect(Duration.ofMillis(100), Duration.ofMillis(500))
                .withScanInterval(Duration.ofMillis(100)));
    }

    @AfterAll
    static void stopAll() throws Exception {
        doorbells.forEach(DeviceAgent::close);
        List<AutoCloseable> closing = new ArrayList<>();
        closing.add(haproxy);
        closing.addAll(Arrays.asList(nodes));
        closing.add(nats);
        closing.add(postgres);
        for (AutoCloseable each : closing) {
            try {
                if (each != null) {
                    each.close();
                }
            } catch (Exception e) {
                // the next one still closes
            }
        }
    }

    /**
     * Not part of the suite ({@code -Dcluster-measurement=true}; docs/benchmarks.md): press → ring on the owner's open
     * app on each of the three nodes. Per press the quickest of the three is the node holding the doorbell's link
     * (what a single hub does, plus publishing to NATS); the other two heard it over NATS.
     */
    @Test
    @Order(1)
    @EnabledIfSystemProperty(named = "cluster-measurement", matches = "true")
    void ringLatencyOnTheLinksNodeAndOnTheOtherNodes() throws Exception {
        measureRings(NODES, "3 nodes, the doorbells spread over them");
    }

    /**
     * Presses the doorbells in turn, 10 a second, and times each ring on the owner's open app on each of these nodes;
     * asserts every ring reached every one of them; prints the figures and appends them to
     * target/cluster-figures.txt.
     */
    private static void measureRings(List<String> addresses, String setting) throws Exception {
        int presses = Integer.getInteger("cluster-measurement.presses", 300);
        List<BrowserClient.Stream> streams = new ArrayList<>();
        for (String address : addresses) {
            BrowserClient browser = BrowserClient.of(
                    URI.create("https://" + address + ":" + browserPort + "/"),
                    Pem.parseCertificate(
                            Files.readString(dir.resolve("a").resolve("hub").resolve("pki/hub-ca/ca.crt"))));
            assertThat(browser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            BrowserClient.Stream stream = browser.openStream();
            assertThat(stream.awaitType("hello", WAIT)).isPresent();
            streams.add(stream);
        }
        Map<String, Long> pressedAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, List<Long>> heardAt = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean listening = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Thread> listeners = new ArrayList<>();
        for (BrowserClient.Stream stream : streams) {
            listeners.add(Thread.ofPlatform().start(() -> {
                while (listening.get()) {
                    stream.await(
                            m -> {
                                if ("ring".equals(m.path("type").asString(""))) {
                                    heardAt.computeIfAbsent(
                                                    m.path("eventId").asString(""),
                                                    id -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                            .add(System.nanoTime());
                                }
                                return false;
                            },
                            Duration.ofMillis(200));
                }
            }));
        }
        long started = System.nanoTime();
        for (int i = 0; i < presses; i++) {
            // 10 presses a second, the doorbells in turn.
            long due = started + i * 100_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            DeviceAgent doorbell = doorbells.get(i % DOORBELLS);
            long at = System.nanoTime();
            pressedAt.put(doorbell.pressButton().orElseThrow(), at);
        }
        waitUntil(
                WAIT,
                () -> pressedAt.keySet().stream()
                        .allMatch(id -> heardAt.getOrDefault(id, List.of()).size() == addresses.size()));
        listening.set(false);
        for (Thread listener : listeners) {
            listener.join();
        }
        streams.forEach(BrowserClient.Stream::close);
        List<Double> local = new ArrayList<>();
        List<Double> others = new ArrayList<>();
        pressedAt.forEach((id, at) -> {
            List<Long> heard = new ArrayList<>(heardAt.get(id));
            heard.sort(null);
            local.add((heard.get(0) - at) / 1e6);
            heard.stream().skip(1).forEach(other -> others.add((other - at) / 1e6));
        });
        String figures = String.format(
                java.util.Locale.ROOT,
                "ring, %s (%d presses at 10/s over %d doorbells; load average %s):%n"
                        + "  the link's node: p50 %.1f ms, p99 %.1f ms%n",
                setting,
                presses,
                DOORBELLS,
                Files.readString(Path.of("/proc/loadavg")).strip(),
                percentile(local, 50),
                percentile(local, 99));
        if (!others.isEmpty()) {
            figures += String.format(
                    java.util.Locale.ROOT,
                    "  the other nodes (over NATS): p50 %.1f ms, p99 %.1f ms%n",
                    percentile(others, 50),
                    percentile(others, 99));
        }
        System.out.print(figures);
        Files.writeString(
                Path.of("target", "cluster-figures.txt"),
                figures,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    @Test
    @Order(2)
    void aNodeKilledDuringPacedPressesLosesNoPressAndItsDoorbellsAreBackOnTheOthersWithinSeconds() throws Exception {
        JdbcClient database = JdbcClient.create(postgres.getPostgresDatabase());
        List<String> before = database.sql("select id from events where kind = 'ring'")
                .query(String.class)
                .list();
        long[] droppedAt = new long[DOORBELLS];
        long[] backAt = new long[DOORBELLS];
        List<String> all;
        long killedAt;
        String victim;
        try (PacedPresses presses = new PacedPresses(doorbells, Duration.ofMillis(200))) {
            presses.awaitCount(10, WAIT);
            // The node holding the most doorbell links (HAProxy counts them) is killed as a power cut would.
            Map<String, Integer> links = deviceLinksPerNode();
            victim = links.entrySet().stream()
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            assertThat(links.get(victim)).as("links per node: %s", links).isPositive();
            int pressedBeforeKill = presses.count();
            killedAt = System.nanoTime();
            nodes[NAMES.indexOf(victim.substring("node-".length()))].kill();

            // Each doorbell's link, watched: which dropped, and when each of those was welcomed again.
            long deadline = killedAt + BACK_WITHIN.toNanos() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                long now = System.nanoTime();
                boolean allBack = true;
                for (int i = 0; i < DOORBELLS; i++) {
                    boolean connected = doorbells.get(i).linkState() == LinkState.CONNECTED;
                    if (!connected && droppedAt[i] == 0) {
                        droppedAt[i] = now;
                    }
                    if (connected && droppedAt[i] != 0 && backAt[i] == 0) {
                        backAt[i] = now;
                    }
                    allBack &= connected;
                }
                int dropped = (int) Arrays.stream(droppedAt).filter(t -> t != 0).count();
                if (allBack && dropped >= links.get(victim)) {
                    break;
                }
                Thread.sleep(10);
            }
            long dropped = Arrays.stream(droppedAt).filter(t -> t != 0).count();
            long back = Arrays.stream(backAt).filter(t -> t != 0).count();
            long lastBack = Arrays.stream(backAt).max().orElseThrow();
            Duration took = Duration.ofNanos(lastBack - killedAt);
            String storm = String.format(
                    java.util.Locale.ROOT,
                    "Node %s (%d of %d doorbell links) killed with -9 after %d presses: %d doorbells dropped, all back"
                            + " on the other nodes %d ms after the kill (load average %s)%n",
                    victim,
                    links.get(victim),
                    DOORBELLS,
                    pressedBeforeKill,
                    dropped,
                    took.toMillis(),
                    Files.readString(Path.of("/proc/loadavg")).strip());
            System.out.print(storm);
            if (Boolean.getBoolean("cluster-measurement")) {
                Files.writeString(
                        Path.of("target", "cluster-figures.txt"),
                        storm,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            }
            assertThat(dropped)
                    .as("doorbells that lost their link")
                    .isEqualTo(links.get(victim).longValue());
            assertThat(back).as("doorbells back").isEqualTo(dropped);
            assertThat(took).isLessThan(BACK_WITHIN);

            // Pressing goes on a while on the two nodes left, then stops.
            presses.awaitCount(presses.count() + 10, WAIT);
            all = presses.stop();
            assertThat(presses.failures()).isEmpty();
        }

        // Every press made is stored exactly once: each doorbell's outbox drains, and the events table holds the ids
        // of all the presses, none twice, none besides.
        waitUntil(Duration.ofSeconds(60), () -> doorbells.stream().allMatch(d -> d.pendingEvents() == 0));
        List<String> stored = new ArrayList<>(database.sql("select id from events where kind = 'ring'")
                .query(String.class)
                .list());
        stored.removeAll(before);
        assertThat(stored).hasSameSizeAs(all);
        assertThat(new HashSet<>(stored)).isEqualTo(new HashSet<>(all));
        System.out.printf("%d presses, each stored once%n", all.size());
    }

    /** Current sessions per node on HAProxy's device port (each a doorbell's link). */
    private static Map<String, Integer> deviceLinksPerNode() throws Exception {
        Map<String, Integer> links = new HashMap<>();
        for (Map<String, String> row : deviceServers()) {
            links.put(row.get("svname"), Integer.parseInt(row.get("scur")));
        }
        return links;
    }

    private static void awaitDeviceServers(Map<String, String> statuses, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, String> now = new HashMap<>();
            for (Map<String, String> row : deviceServers()) {
                now.put(row.get("svname"), row.get("status"));
            }
            if (now.equals(statuses)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("HAProxy sees " + now + ", not " + statuses + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    /** HAProxy's statistics (CSV) of the device port's servers, one map per server. */
    private static List<Map<String, String>> deviceServers() throws Exception {
        String csv;
        try (HttpClient http = HttpClient.newHttpClient()) {
            csv = http.send(
                            HttpRequest.newBuilder(URI.create("http://" + BALANCER + ":" + statsPort + "/stats;csv"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
        String[] lines = csv.split("\n");
        String[] header = lines[0].replaceFirst("^# ", "").split(",", -1);
        List<Map<String, String>> servers = new ArrayList<>();
        for (int l = 1; l < lines.length; l++) {
            String[] fields = lines[l].split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int f = 0; f < Math.min(header.length, fields.length); f++) {
                row.put(header[f], fields[f]);
            }
            if ("device_nodes".equals(row.get("pxname")) && row.get("svname").startsWith("node-")) {
                servers.add(row);
            }
        }
        return servers;
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}

package dev.doorward.bench;

import dev.doorward.crypto.pki.CertificateAuthority;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A three-node cluster as {@code ./doorward cluster} starts it (docs/cluster.md): the hub's standalone PostgreSQL,
 * one NATS server beside each node routed to the other two (as deployed: a node's NATS dies with its machine, and
 * the routes' cost is part of what a ring across nodes pays), the nodes on 127.0.0.2–4 from the hub's exec jar with
 * the single-node run's JVM options, and HAProxy on 127.0.0.1 from the repository's template.
 */
final class Cluster implements AutoCloseable {
    static final String PROXY_SOURCE = "127.0.0.5";

    /** One hub node; {@link #hub} has the same helpers as the single-node run (owner, members, database). */
    record Node(String name, String address, Servers.Hub hub) {}

    final List<Node> nodes = new ArrayList<>();
    final int devicePort;
    final int livePort;
    final int browserPort;
    final int statsPort;
    final Path dir;
    private final List<Process> late = new ArrayList<>();
    private Process haproxy;
    private final int databasePort;
    private final Path databasePassword;

    /**
     * @param hubCa the cluster's hub CA, put in the first node's data directory before it starts: the node brings it
     *     into the cluster (as a single hub that becomes a first node does, docs/cluster-state.md), and the bench
     *     keeps the key to mint the fleet's certificates — the CA a cluster makes itself exists only sealed in its
     *     database
     */
    Cluster(
            String java,
            Path hubJar,
            Path dir,
            Path manufacturerCa,
            CertificateAuthority hubCa,
            int size,
            NodeOptions jvm,
            List<String> settings)
            throws Exception {
        this.dir = dir;
        Files.createDirectories(dir.resolve("logs"));
        devicePort = Servers.freePort();
        livePort = Servers.freePort();
        browserPort = Servers.freePort();
        statsPort = Servers.freePort();
        databasePort = Servers.freePort();
        int natsPort = Servers.freePort();
        int routePort = Servers.freePort();
        try {
            Path secret = dir.resolve("join-secret");
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            Files.createFile(
                    secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secret, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
            String natsPassword = run(
                            dir.resolve("logs/nats-password.log"),
                            java,
                            "-cp",
                            hubJar.toString(),
                            "-Dloader.main=dev.doorward.hub.cluster.NatsPasswordMain",
                            "org.springframework.boot.loader.launch.PropertiesLauncher",
                            secret.toString())
                    .strip();

            databasePassword = dir.resolve("database-password");
            Process database = start(
                    dir.resolve("logs/database.log"),
                    java,
                    "-cp",
                    hubJar.toString(),
                    "-Dloader.main=dev.doorward.hub.database.StandaloneDatabase",
                    "org.springframework.boot.loader.launch.PropertiesLauncher",
                    "--data-dir",
                    dir.resolve("database").toString(),
                    "--password-file",
                    databasePassword.toString(),
                    "--listen",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(databasePort),
                    "--nodes",
                    "127.0.0.0/8");
            late.add(database);

            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                addresses.add("127.0.0." + (2 + i));
            }
            String natsTemplate = Files.readString(repositoryFile("cluster/nats-server.conf.template"));
            for (int i = 0; i < size; i++) {
                StringBuilder routes = new StringBuilder();
                for (int j = 0; j < size; j++) {
                    if (j != i) {
                        routes.append("nats-route://doorward-route:")
                                .append(natsPassword)
                                .append('@')
                                .append(addresses.get(j))
                                .append(':')
                                .append(routePort)
                                .append("\n    ");
                    }
                }
                String conf = natsTemplate
                        .replace("@NAME@", "nats-node-" + i)
                        .replace("@ADDRESS@", addresses.get(i))
                        .replace("@CLIENT_PORT@", Integer.toString(natsPort))
                        .replace("@ROUTE_PORT@", Integer.toString(routePort))
                        .replace("@PASSWORD@", natsPassword)
                        .replace("@ROUTES@", routes.toString().strip());
                Path file = dir.resolve("nats-" + i + ".conf");
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, conf);
                late.add(start(dir.resolve("logs/nats-" + i + ".log"), "nats-server", "-c", file.toString()));
            }
            awaitLog(dir.resolve("logs/database.log"), "Doorward database ready", database, Duration.ofSeconds(120));

            String natsUrls = String.join(
                    ",",
                    addresses.stream().map(a -> "nats://" + a + ":" + natsPort).toList());
            // node-a first: it makes the cluster's keys (bringing the bench's hub CA) and migrates the database; then
            // the other two together. A node gives up at start when the database is slow to answer (2 s, as in
            // production): on a busy machine each gets up to three tries, as in ./doorward cluster.
            NodeStart startNode = i -> {
                String name = "node-" + (char) ('a' + i);
                String address = addresses.get(i);
                List<String> nodeSettings = new ArrayList<>(List.of(
                        "--doorward.public-host=localhost",
                        "--doorward.addresses.browser=" + address,
                        "--doorward.addresses.device=" + address,
                        "--doorward.addresses.live=" + address,
                        "--doorward.extra-host-names=" + address,
                        "--doorward.database.url=jdbc:postgresql://127.0.0.1:" + databasePort + "/doorward",
                        "--doorward.database.username=doorward",
                        "--doorward.database.password-file=" + databasePassword,
                        "--doorward.blob-dir=" + dir.resolve("blobs"),
                        "--doorward.cluster.nats-urls=" + natsUrls,
                        "--doorward.cluster.node-name=" + name,
                        "--doorward.cluster.join-secret-file=" + secret,
                        "--doorward.cluster.trusted-proxies=" + PROXY_SOURCE));
                nodeSettings.addAll(settings);
                Path nodeDir = dir.resolve(name);
                Files.createDirectories(nodeDir);
                if (i == 0) {
                    hubCa.save(nodeDir.resolve("hub/pki/hub-ca"));
                }
                for (int attempt = 1; ; attempt++) {
                    try {
                        return new Node(
                                name,
                                address,
                                new Servers.Hub(
                                        java,
                                        hubJar,
                                        nodeDir,
                                        manufacturerCa,
                                        jvm.of(nodeDir),
                                        nodeSettings,
                                        address,
                                        browserPort,
                                        devicePort,
                                        livePort));
                    } catch (IllegalStateException e) {
                        if (attempt == 3) {
                            throw e;
                        }
                        Files.copy(
                                nodeDir.resolve("hub.log"),
                                nodeDir.resolve("hub-attempt-" + attempt + ".log"),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            };
            nodes.add(startNode.start(0));
            ExecutorService pool = Executors.newFixedThreadPool(size);
            try {
                List<Future<Node>> rest = new ArrayList<>();
                for (int i = 1; i < size; i++) {
                    int index = i;
                    rest.add(pool.submit(() -> startNode.start(index)));
                }
                Exception failed = null;
                for (Future<Node> f : rest) {
                    try {
                        nodes.add(f.get());
                    } catch (ExecutionException e) {
                        failed = e.getCause() instanceof Exception cause ? cause : e;
                    }
                }
                if (failed != null) {
                    throw failed;
                }
            } finally {
                pool.shutdown();
            }
            startHaproxy();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private interface NodeStart {
        Node start(int index) throws Exception;
    }

    /** The JVM options of a node, given its directory (its GC log goes there). */
    interface NodeOptions {
        List<String> of(Path nodeDir);
    }

    private void startHaproxy() throws Exception {
        Path h = dir.resolve("haproxy");
        Files.createDirectories(h);
        Path nodeA = nodes.get(0).hub().dataDir;
        Path pem = h.resolve("browser.pem");
        Files.writeString(
                pem,
                Files.readString(nodeA.resolve("pki/server.crt")) + Files.readString(nodeA.resolve("pki/server.key")));
        Files.setPosixFilePermissions(pem, PosixFilePermissions.fromString("rw-------"));
        Files.copy(nodeA.resolve("pki/hub-ca/ca.crt"), h.resolve("hub-ca.pem"));
        String cfg = Files.readString(repositoryFile("cluster/haproxy.cfg.template"))
                .replace("@BIND@", "127.0.0.1")
                .replace("@PROXY_SOURCE@", PROXY_SOURCE)
                .replace("@PUBLIC_HOST@", "localhost")
                .replace("@NODE_A@", nodes.get(0).address())
                .replace("@NODE_B@", nodes.get(1).address())
                .replace("@NODE_C@", nodes.get(2).address())
                .replace("@DEVICE_PORT@", Integer.toString(devicePort))
                .replace("@LIVE_PORT@", Integer.toString(livePort))
                .replace("@BROWSER_PORT@", Integer.toString(browserPort))
                .replace("@BROWSER_PEM@", pem.toString())
                .replace("@HUB_CA@", h.resolve("hub-ca.pem").toString())
                .replace("@STATS_PORT@", Integer.toString(statsPort));
        Path file = h.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        haproxy = start(dir.resolve("logs/haproxy.log"), "haproxy", "-db", "-f", file.toString());
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (upBehindHaproxy(http) < 3 * nodes.size()) {
            if (System.nanoTime() > deadline || !haproxy.isAlive()) {
                throw new IllegalStateException("HAProxy does not see every node up; see " + dir.resolve("logs"));
            }
            Thread.sleep(300);
        }
    }

    /** How many (backend, node) pairs HAProxy's health checks see up: 9 when all three nodes serve all ports. */
    int upBehindHaproxy(HttpClient http) {
        try {
            String csv = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            int up = 0;
            for (String line : csv.lines().toList()) {
                String[] f = line.split(",", -1);
                if (f.length > 17 && f[0].endsWith("_nodes") && f[1].startsWith("node-") && f[17].equals("UP")) {
                    up++;
                }
            }
            return up;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    long haproxyPid() {
        return haproxy.pid();
    }

    /** The cluster's database (the owner's and members' rows, the fleet's registration). */
    Connection database(String parameters) throws IOException, SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + databasePort + "/doorward" + parameters,
                "doorward",
                Files.readString(databasePassword).strip());
    }

    /**
     * Device links each node holds: established TCP connections on its device port, from /proc/net/tcp (the
     * kernel's table: no cooperation from the node, and the same count whether they came through HAProxy or not).
     */
    List<Integer> linksPerNode() throws IOException {
        List<String> table = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
        // A JVM's sockets are IPv6 ones, with the IPv4 address mapped (::ffff:127.0.0.2).
        table.addAll(Files.readAllLines(Path.of("/proc/net/tcp6")));
        List<Integer> counts = new ArrayList<>();
        for (Node n : nodes) {
            String v4 = hexAddress(n.address(), devicePort);
            String v6 = "0000000000000000FFFF0000" + v4;
            int count = 0;
            for (String line : table) {
                String[] f = line.strip().split("\\s+");
                if (f.length > 3 && (f[1].equals(v4) || f[1].equals(v6)) && f[3].equals("01")) {
                    count++;
                }
            }
            counts.add(count);
        }
        return counts;
    }

    /** /proc/net/tcp's form of an IPv4 address and port: the address's bytes in host (little-endian) order. */
    private static String hexAddress(String address, int port) {
        String[] b = address.split("\\.");
        return String.format(
                Locale.ROOT,
                "%02X%02X%02X%02X:%04X",
                Integer.parseInt(b[3]),
                Integer.parseInt(b[2]),
                Integer.parseInt(b[1]),
                Integer.parseInt(b[0]),
                port);
    }

    /** A node's power cut: SIGKILL, no goodbye to its links, NATS or the database. */
    void kill(Node node) throws InterruptedException {
        node.hub().process.destroyForcibly();
        node.hub().process.waitFor();
    }

    @Override
    public void close() {
        if (haproxy != null) {
            Servers.stop(haproxy, Duration.ofSeconds(5));
        }
        for (Node n : nodes) {
            n.hub().close();
        }
        // The database and NATS last, so no node loses them while it stops.
        for (Process p : late) {
            Servers.stop(p, Duration.ofSeconds(20));
        }
    }

    /** A file of the repository, from its root (bench/run) or from the bench module (its tests). */
    static Path repositoryFile(String path) {
        for (Path base : List.of(Path.of("."), Path.of(".."))) {
            Path p = base.resolve(path).toAbsolutePath().normalize();
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IllegalStateException(path + " not found from " + Path.of(".").toAbsolutePath());
    }

    private static Process start(Path log, String... command) throws IOException {
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static String run(Path log, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed; see " + log);
        }
        return out;
    }

    private static void awaitLog(Path log, String text, Process process, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("\"" + text + "\" did not appear in " + log);
    }
}

package dev.doorward.bench;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.Roster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The processes under test (hub, Mosquitto) and what the runner measures about them from /proc.
 *
 * <p>One class: starting the servers under test and sampling them from /proc share the process handles; it is
 * benchmark tooling, run by the benchmarks only.
 */
final class Servers {
    private Servers() {}

    /**
     * A free port below the kernel's ephemeral range: a port from that range can be taken, between this check and
     * the server's bind, by one of the thousands of client connections a run opens and closes.
     */
    static int freePort() {
        int low = 32768;
        try {
            // readAllLines, not readString: the latter returned "3" for this /proc file on JDK 25.
            low = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0)
                    .strip()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // keep Linux's default
        }
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 10_000 + random.nextInt(Math.max(1, low - 10_000));
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port below " + low));
    }

    static boolean waitForPort(int port, Process process, Duration timeout) throws InterruptedException {
        return waitForPort("127.0.0.1", port, process, timeout);
    }

    static boolean waitForPort(String host, int port, Process process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 500);
                if (s.getLocalPort() != port) {
                    return true;
                }
                // Linux "self-connect": probing an unbound port of the ephemeral range can connect the probe to
                // itself, which then holds the port the server is about to bind. Drop it (closed on leaving this
                // block) and look again.
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * CPU time (user + system) of a process in seconds and its resident memory in bytes; of that CPU time, what a
     * JVM's JIT compiler threads spent (0 for a server in C): a JVM's first minutes compile its hot paths, and
     * a path taken only a hundred times a second (a ring) is compiled last. Beside them, at the same moment, the CPU
     * time the machine's kernel memory monitor had used ({@link KernelMonitor}): what it takes between two samples
     * was taken from both servers alike.
     */
    record Sample(
            long nanoTime,
            double cpuSeconds,
            long rssBytes,
            double compilerCpuSeconds,
            double kernelMonitorCpuSeconds) {
        Sample(long nanoTime, double cpuSeconds, long rssBytes) {
            this(nanoTime, cpuSeconds, rssBytes, 0);
        }

        Sample(long nanoTime, double cpuSeconds, long rssBytes, double compilerCpuSeconds) {
            this(nanoTime, cpuSeconds, rssBytes, compilerCpuSeconds, KernelMonitor.cpuSeconds());
        }

        static Sample of(long pid) {
            try {
                double cpu = cpuSecondsIn(Path.of("/proc/" + pid + "/stat"));
                long rss = 0;
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
                return new Sample(System.nanoTime(), cpu, rss, compilerCpuSeconds(pid));
            } catch (IOException e) {
                return new Sample(System.nanoTime(), Double.NaN, -1);
            }
        }

        /** User + system CPU seconds in a {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat} file. */
        static double cpuSecondsIn(Path statFile) throws IOException {
            String stat = Files.readString(statFile);
            // fields 14 and 15 of stat (utime, stime) are 11 and 12 after "pid (comm) "; comm may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        }

        /** CPU seconds of the process's threads named as HotSpot names its compiler threads ("C2 CompilerThre…"). */
        private static double compilerCpuSeconds(long pid) {
            double seconds = 0;
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String comm = Files.readString(task.resolve("comm")).strip();
                        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                            seconds += cpuSecondsIn(task.resolve("stat"));
                        }
                    } catch (IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                return Double.NaN;
            }
            return seconds;
        }

        /**
         * A process and all its descendants (nginx: master and workers): CPU summed, memory as the sum of their
         * proportional set sizes (Pss), so that pages the workers share (nchan's shared memory zone, the
         * binary) count once, not once per process.
         */
        static Sample ofTree(long pid) {
            List<Long> pids = new ArrayList<>();
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(c -> pids.add(c.pid())));
            double cpu = 0;
            long memory = 0;
            for (long p : pids) {
                Sample one = of(p);
                if (Double.isNaN(one.cpuSeconds())) {
                    continue;
                }
                cpu += one.cpuSeconds();
                long pss = pss(p);
                memory += pss >= 0 ? pss : one.rssBytes();
            }
            return new Sample(System.nanoTime(), cpu, memory);
        }

        private static long pss(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not readable: the caller falls back to RSS
            }
            return -1;
        }
    }

    /** A hub started from its exec jar, with its own data directory and embedded PostgreSQL. */
    static final class Hub implements AutoCloseable {
        final Process process;
        final Path dataDir;
        final int browserPort;
        final int devicePort;
        final int livePort;
        final String host;

        /** How long a stop may take before the hub is killed: longer for one that assembles a cache as it exits. */
        private final Duration stopGrace;

        /** A cluster node's database is the cluster's, not an embedded one in its data directory. */
        Database external;

        interface Database {
            Connection open(String parameters) throws IOException, SQLException;
        }

        /** The owner's browser (cookies and CSRF token), once {@link #createOwner} ran. */
        private HttpClient ownerHttp;

        private CookieManager ownerCookies;

        Hub(String java, Path hubJar, Path dir, Path manufacturerCa, List<String> jvmOptions) throws Exception {
            this(java, hubJar, dir, manufacturerCa, jvmOptions, List.of());
        }

        /** @param settings more {@code --name=value} settings for the hub (e.g. a push service it may reach) */
        Hub(String java, Path hubJar, Path dir, Path manufacturerCa, List<String> jvmOptions, List<String> settings)
                throws Exception {
            this(
                    java,
                    hubJar,
                    dir,
                    manufacturerCa,
                    jvmOptions,
                    settings,
                    "localhost",
                    freePort(),
                    freePort(),
                    freePort());
        }

        /**
         * @param host where the hub listens and is reached (a cluster node's own address; its certificate names it)
         */
        Hub(
                String java,
                Path hubJar,
                Path dir,
                Path manufacturerCa,
                List<String> jvmOptions,
                List<String> settings,
                String host,
                int browserPort,
                int devicePort,
                int livePort)
                throws Exception {
            this.host = host;
            this.dataDir = dir.resolve("hub");
            this.browserPort = browserPort;
            this.devicePort = devicePort;
            this.livePort = livePort;
            this.stopGrace = HubAot.records(jvmOptions) ? HubAot.ASSEMBLY_GRACE : Duration.ofSeconds(30);
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.addAll(List.of(
                    "-jar",
                    hubJar.toString(),
                    "--doorward.data-dir=" + dataDir,
                    "--doorward.manufacturer-ca-certificate=" + manufacturerCa,
                    "--server.port=" + browserPort,
                    "--doorward.device-port=" + devicePort,
                    "--doorward.live-port=" + livePort,
                    "--doorward.http-redirect-port=-1",
                    // PostgreSQL's programs unpacked once for every run, not in each run's fresh data directory.
                    "--doorward.database.binaries-dir="
                            + Path.of("bench", "target", "postgres-binaries").toAbsolutePath()));
            command.addAll(settings);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("hub.log").toFile())
                    .start();
            String probe = host.equals("localhost") ? "127.0.0.1" : host;
            if (!waitForPort(probe, browserPort, process, Duration.ofSeconds(180))
                    || !waitForPort(probe, devicePort, process, Duration.ofSeconds(30))
                    || !waitForPort(probe, livePort, process, Duration.ofSeconds(30))) {
                close();
                throw new IllegalStateException("The hub did not start; see " + dir.resolve("hub.log"));
            }
        }

        long pid() {
            return process.pid();
        }

        /** Forces a full GC in the hub (jcmd) and returns the Java heap still in use; -1 if jcmd failed. */
        long liveHeapBytes() {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            try {
                run(jcmd.toString(), Long.toString(pid()), "GC.run");
                String info = run(jcmd.toString(), Long.toString(pid()), "GC.heap_info");
                Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
                return used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private static String run(String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        }

        X509Certificate hubCa() throws IOException {
            return Pem.parseCertificate(Files.readString(dataDir.resolve("pki/hub-ca/ca.crt")));
        }

        String setupToken() throws IOException {
            String link = Files.readString(dataDir.resolve("setup-link.txt")).strip();
            return link.substring(link.indexOf("#setup=") + "#setup=".length());
        }

        /** The embedded PostgreSQL's port, from its postmaster.pid (line 4). */
        int databasePort() throws IOException {
            return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"))
                    .get(3)
                    .strip());
        }

        /** The hub's own database, as the hub's role, with the password the hub generated in its data directory. */
        Connection database(String parameters) throws IOException, SQLException {
            if (external != null) {
                return external.open(parameters);
            }
            String url = "jdbc:postgresql://127.0.0.1:" + databasePort() + "/doorward" + parameters;
            String password =
                    Files.readString(dataDir.resolve("postgres/hub-password")).strip();
            return DriverManager.getConnection(url, "doorward", password);
        }

        /** First-run setup as a browser does it; returns [session cookie "name=value", household id]. */
        String[] createOwner() throws Exception {
            CookieManager cookies = new CookieManager();
            HttpClient http = HttpClient.newBuilder()
                    .sslContext(TlsContexts.client(null, hubCa()))
                    .sslParameters(TlsContexts.parameters())
                    .cookieHandler(cookies)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI base = URI.create("https://" + host + ":" + browserPort);
            http.send(
                    HttpRequest.newBuilder(base.resolve("/api/session")).build(), HttpResponse.BodyHandlers.ofString());
            String password = "correct horse battery staple";
            String setup = "{\"token\":\"" + setupToken() + "\",\"username\":\"owner\",\"password\":\"" + password
                    + "\",\"householdName\":\"Bench\"}";
            expect(
                    http,
                    cookies,
                    HttpRequest.newBuilder(base.resolve("/api/setup"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(setup)),
                    201);
            String form = "username=owner&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
            expect(
                    http,
                    cookies,
                    HttpRequest.newBuilder(base.resolve("/api/login"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form)),
                    204);
            String session = http.send(
                            HttpRequest.newBuilder(base.resolve("/api/session")).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = Pattern.compile("\"households\"\\s*:\\s*\\[\\s*\\{[^}]*?\"id\"\\s*:\\s*\"([A-Za-z0-9_-]{22})\"")
                    .matcher(session);
            if (!m.find()) {
                throw new IllegalStateException("no household in " + session);
            }
            HttpCookie cookie = cookies.getCookieStore().getCookies().stream()
                    .filter(c -> c.getName().equals("__Host-doorward-session"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no session cookie"));
            ownerHttp = http;
            ownerCookies = cookies;
            return new String[] {cookie.getName() + "=" + cookie.getValue(), m.group(1)};
        }

        /**
         * Registers {@code count} browsers of the owner ({@code POST /api/clients}, each with its own P-256 keys)
         * and approves them all in the household's first roster, signed by the first — what the web app does
         * when the owner signs in on several devices. Returns their client ids. Before the fleet is registered:
         * the hub sends a new roster to the household's doorbells.
         */
        List<String> approveOwnerBrowsers(int count, String householdId) throws Exception {
            URI base = URI.create("https://" + host + ":" + browserPort);
            SecureRandom random = new SecureRandom();
            List<Roster.Member> members = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            KeyPair signer = null;
            for (int i = 0; i < count; i++) {
                KeyPair signing = KeyPairs.newP256(random);
                KeyPair agreement = KeyPairs.newP256(random);
                String body = "{\"signingKey\":\""
                        + Base64.getEncoder().encodeToString(signing.getPublic().getEncoded())
                        + "\",\"agreementKey\":\""
                        + Base64.getEncoder()
                                .encodeToString(agreement.getPublic().getEncoded())
                        + "\",\"label\":\"bench browser " + i + "\"}";
                String answer = expect(
                        ownerHttp,
                        ownerCookies,
                        HttpRequest.newBuilder(base.resolve("/api/clients"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)),
                        201);
                String id = field(answer, "id");
                ids.add(id);
                members.add(new Roster.Member(
                        id,
                        i == 0 ? Roster.Role.OWNER : Roster.Role.ADMIN,
                        field(answer, "signingKeyFingerprint"),
                        base64Url(signing.getPublic().getEncoded()),
                        base64Url(agreement.getPublic().getEncoded()),
                        null));
                if (i == 0) {
                    signer = signing;
                }
            }
            members.sort(Comparator.comparing(Roster.Member::clientId));
            String text = new Roster(householdId, 1, Roster.NO_PREVIOUS, System.currentTimeMillis(), members).text();
            String roster = "{\"text\":" + jsonString(text) + ",\"signature\":\""
                    + base64Url(Signatures.sign(signer.getPrivate(), text.getBytes(StandardCharsets.UTF_8)))
                    + "\",\"signerPublicKey\":\"" + base64Url(signer.getPublic().getEncoded()) + "\"}";
            expect(
                    ownerHttp,
                    ownerCookies,
                    HttpRequest.newBuilder(base.resolve("/api/households/" + householdId + "/rosters"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(roster)),
                    201);
            return ids;
        }

        /** Gives one of the owner's browsers a push subscription, as its service worker's subscribe() would. */
        void subscribe(String clientId, String endpoint, String p256dh, String auth) throws Exception {
            String body = "{\"endpoint\":" + jsonString(endpoint) + ",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
                    + p256dh + "\",\"auth\":\"" + auth + "\"}}";
            URI uri = URI.create("https://" + host + ":" + browserPort + "/api/push/subscriptions/" + clientId);
            HttpRequest.Builder put = HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> answer = send(ownerHttp, ownerCookies, put);
            if (answer.statusCode() / 100 != 2) {
                throw new IllegalStateException(uri + " answered " + answer.statusCode() + ": " + answer.body());
            }
        }

        /** Deletes a browser's push subscription, as the web app does when push is turned off. */
        void unsubscribe(String clientId) throws Exception {
            URI uri = URI.create("https://" + host + ":" + browserPort + "/api/push/subscriptions/" + clientId);
            HttpResponse<String> answer =
                    send(ownerHttp, ownerCookies, HttpRequest.newBuilder(uri).DELETE());
            if (answer.statusCode() / 100 != 2) {
                throw new IllegalStateException(uri + " answered " + answer.statusCode() + ": " + answer.body());
            }
        }

        private static String field(String json, String name) {
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
            if (!m.find()) {
                throw new IllegalStateException("no " + name + " in " + json);
            }
            return m.group(1);
        }

        private static String base64Url(byte[] bytes) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        /** A JSON string literal (the roster's text has newlines). */
        private static String jsonString(String text) {
            StringBuilder out = new StringBuilder(text.length() + 16).append('"');
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }

        private static String expect(HttpClient http, CookieManager cookies, HttpRequest.Builder request, int status)
                throws Exception {
            HttpResponse<String> response = send(http, cookies, request);
            if (response.statusCode() != status) {
                throw new IllegalStateException(
                        request.build().uri() + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        }

        private static HttpResponse<String> send(HttpClient http, CookieManager cookies, HttpRequest.Builder request)
                throws Exception {
            cookies.getCookieStore().getCookies().stream()
                    .filter(c -> c.getName().equals("__Host-XSRF-TOKEN"))
                    .findFirst()
                    .ifPresent(c -> request.header("X-XSRF-TOKEN", c.getValue()));
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        /**
         * Adds {@code count} resident members to the household and signs each in (its own account and session,
         * since the hub allows an account 30 live views a minute). The accounts are written straight in the
         * database with the owner's password hash (same password, so the hash verifies); sign-ins go through
         * {@code /api/login} like a browser's, at most {@code 19} per source address (the hub allows 20 sign-ins
         * per address in 5 minutes, the owner's included). Returns the session cookies.
         */
        List<String> createMembers(int count, String householdId) throws Exception {
            List<String> usernames = new ArrayList<>();
            try (Connection db = database("")) {
                String hash;
                try (var q = db.prepareStatement("select password_hash from accounts where username = 'owner'");
                        var rs = q.executeQuery()) {
                    rs.next();
                    hash = rs.getString(1);
                }
                db.setAutoCommit(false);
                try (PreparedStatement account = db.prepareStatement(
                                "insert into accounts (id, username, password_hash, created_at) values (?, ?, ?, ?)");
                        PreparedStatement member = db.prepareStatement("insert into memberships (household_id,"
                                + " account_id, role, created_at) values (?, ?, 'resident', ?)")) {
                    Timestamp now = Timestamp.from(Instant.now());
                    for (int i = 0; i < count; i++) {
                        String id = dev.doorward.crypto.RandomIds.newId();
                        String username = "viewer" + i;
                        account.setString(1, id);
                        account.setString(2, username);
                        account.setString(3, hash);
                        account.setTimestamp(4, now);
                        account.addBatch();
                        member.setString(1, householdId);
                        member.setString(2, id);
                        member.setTimestamp(3, now);
                        member.addBatch();
                        usernames.add(username);
                    }
                    account.executeBatch();
                    member.executeBatch();
                }
                db.commit();
            }
            List<String> cookies = new ArrayList<>();
            for (int i = 0; i < usernames.size(); i++) {
                String local = "127.0.0." + (2 + i / 19);
                cookies.add(signIn(usernames.get(i), java.net.InetAddress.getByName(local)));
            }
            return cookies;
        }

        private String signIn(String username, java.net.InetAddress local) throws Exception {
            CookieManager cookies = new CookieManager();
            HttpClient http = HttpClient.newBuilder()
                    .sslContext(TlsContexts.client(null, hubCa()))
                    .sslParameters(TlsContexts.parameters())
                    .cookieHandler(cookies)
                    .localAddress(local)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI base = URI.create("https://" + host + ":" + browserPort);
            http.send(
                    HttpRequest.newBuilder(base.resolve("/api/session")).build(), HttpResponse.BodyHandlers.ofString());
            String form = "username=" + username + "&password="
                    + URLEncoder.encode("correct horse battery staple", StandardCharsets.UTF_8);
            expect(
                    http,
                    cookies,
                    HttpRequest.newBuilder(base.resolve("/api/login"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form)),
                    204);
            HttpCookie cookie = cookies.getCookieStore().getCookies().stream()
                    .filter(c -> c.getName().equals("__Host-doorward-session"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no session cookie for " + username));
            return cookie.getName() + "=" + cookie.getValue();
        }

        /**
         * Registers the fleet as claimed devices of the household, straight in the hub's database: the same
         * rows a claim writes (device id = certificate CN, certificate serial in hex).
         */
        void register(Fleet fleet, String householdId) throws IOException, SQLException {
            try (Connection db = database("?reWriteBatchedInserts=true")) {
                db.setAutoCommit(false);
                try (PreparedStatement insert = db.prepareStatement(
                        "insert into devices (id, household_id, serial,"
                                + " name, certificate_serial, certificate_expires_at, claimed_at) values (?, ?, ?, ?, ?, ?, ?)")) {
                    Timestamp now = Timestamp.from(Instant.now());
                    for (int i = 0; i < fleet.size(); i++) {
                        X509Certificate cert = fleet.certificates().get(i);
                        insert.setString(1, fleet.ids().get(i));
                        insert.setString(2, householdId);
                        insert.setString(3, "BENCH-" + i);
                        insert.setString(4, "Bench door " + i);
                        insert.setString(5, cert.getSerialNumber().toString(16));
                        insert.setTimestamp(6, Timestamp.from(cert.getNotAfter().toInstant()));
                        insert.setTimestamp(7, now);
                        insert.addBatch();
                        if (i % 1000 == 999) {
                            insert.executeBatch();
                        }
                    }
                    insert.executeBatch();
                }
                db.commit();
            }
        }

        @Override
        public void close() {
            stop(process, stopGrace);
        }
    }

    /** Mosquitto with TLS 1.3 and required client certificates, using the hub's own CA and server certificate. */
    static final class Mosquitto implements AutoCloseable {
        final Process process;
        final int port;

        Mosquitto(Path binary, Path dir, Path hubDataDir) throws Exception {
            port = freePort();
            Path pki = hubDataDir.resolve("pki").toAbsolutePath();
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "per_listener_settings false",
                            "listener " + port + " 127.0.0.1",
                            "cafile " + pki.resolve("hub-ca/ca.crt"),
                            "certfile " + pki.resolve("server.crt"),
                            "keyfile " + pki.resolve("server.key"),
                            "require_certificate true",
                            "tls_version tlsv1.3",
                            "allow_anonymous true",
                            "max_connections -1",
                            "persistence false",
                            "log_dest stderr",
                            "log_type error",
                            "log_type warning",
                            "user root",
                            ""));
            process = new ProcessBuilder(binary.toString(), "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.log").toFile())
                    .start();
            if (!waitForPort(port, process, Duration.ofSeconds(10))) {
                close();
                throw new IllegalStateException("Mosquitto did not start; see " + dir.resolve("mosquitto.log"));
            }
        }

        static Path find() {
            for (String candidate : List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")) {
                if (Files.isExecutable(Path.of(candidate))) {
                    return Path.of(candidate);
                }
            }
            return null;
        }

        @Override
        public void close() {
            stop(process, Duration.ofSeconds(5));
        }
    }

    /**
     * nginx with the nchan module as the live scenario's reference relay: doorbells publish over a WebSocket on
     * one port (TLS 1.3, client certificate from the hub CA required, as on the hub's device port), viewers
     * subscribe over a WebSocket on another (TLS 1.3, no client certificate, as on the hub's browser port). Same
     * hub CA and server certificate as the hub. Messages are not stored: a channel relays to whoever subscribes
     * now, like the hub.
     */
    static final class Nginx implements AutoCloseable {
        static final Path MODULE = Path.of("/usr/lib/nginx/modules/ngx_nchan_module.so");
        final Process process;
        final int publisherPort;
        final int subscriberPort;

        Nginx(Path binary, Path dir, Path hubDataDir) throws Exception {
            publisherPort = freePort();
            subscriberPort = freePort();
            Path pki = hubDataDir.resolve("pki").toAbsolutePath();
            Path prefix = dir.resolve("nginx").toAbsolutePath();
            Files.createDirectories(prefix.resolve("logs"));
            Files.createDirectories(prefix.resolve("tmp"));
            Path conf = prefix.resolve("nginx.conf");
            String tls = String.join(
                    "\n",
                    "        ssl_certificate " + pki.resolve("server.crt") + ";",
                    "        ssl_certificate_key " + pki.resolve("server.key") + ";",
                    "        ssl_protocols TLSv1.3;",
                    "        ssl_session_cache off;",
                    "        ssl_session_tickets off;");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "load_module " + MODULE + ";",
                            "worker_processes auto;",
                            "pid " + prefix.resolve("nginx.pid") + ";",
                            "error_log " + prefix.resolve("logs/error.log") + " warn;",
                            "events { worker_connections 16384; }",
                            "http {",
                            "    access_log off;",
                            "    client_body_temp_path " + prefix.resolve("tmp") + ";",
                            "    proxy_temp_path " + prefix.resolve("tmp") + ";",
                            "    fastcgi_temp_path " + prefix.resolve("tmp") + ";",
                            "    uwsgi_temp_path " + prefix.resolve("tmp") + ";",
                            "    scgi_temp_path " + prefix.resolve("tmp") + ";",
                            "    nchan_message_buffer_length 0;",
                            "    server {",
                            "        listen 127.0.0.1:" + publisherPort + " ssl;",
                            tls,
                            "        ssl_verify_client on;",
                            "        ssl_client_certificate " + pki.resolve("hub-ca/ca.crt") + ";",
                            "        location ~ ^/pub/([A-Za-z0-9_-]+)$ {",
                            "            nchan_publisher websocket;",
                            "            nchan_channel_id $1;",
                            "        }",
                            "    }",
                            "    server {",
                            "        listen 127.0.0.1:" + subscriberPort + " ssl;",
                            tls,
                            "        location ~ ^/sub/([A-Za-z0-9_-]+)$ {",
                            "            nchan_subscriber websocket;",
                            "            nchan_channel_id $1;",
                            "            nchan_subscriber_first_message newest;",
                            "        }",
                            "    }",
                            "}",
                            ""));
            process = new ProcessBuilder(
                            binary.toString(), "-p", prefix.toString(), "-c", conf.toString(), "-g", "daemon off;")
                    .redirectErrorStream(true)
                    .redirectOutput(prefix.resolve("logs/nginx.out").toFile())
                    .start();
            if (!waitForPort(publisherPort, process, Duration.ofSeconds(10))
                    || !waitForPort(subscriberPort, process, Duration.ofSeconds(10))) {
                close();
                throw new IllegalStateException("nginx did not start; see " + prefix.resolve("logs"));
            }
        }

        /** nginx and its nchan module, or null when either is missing. */
        static Path find() {
            if (!Files.exists(MODULE)) {
                return null;
            }
            for (String candidate : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
                if (Files.isExecutable(Path.of(candidate))) {
                    return Path.of(candidate);
                }
            }
            return null;
        }

        static String version(Path binary) {
            try {
                Process p = new ProcessBuilder(binary.toString(), "-v")
                        .redirectErrorStream(true)
                        .start();
                String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                p.waitFor();
                v = v.replace("nginx version: ", "");
                Process q = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "libnginx-mod-nchan")
                        .redirectErrorStream(true)
                        .start();
                String nchan = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                return v + " + nchan " + (q.waitFor() == 0 ? nchan : "(version unknown)");
            } catch (IOException | InterruptedException e) {
                return "nginx + nchan";
            }
        }

        @Override
        public void close() {
            stop(process, Duration.ofSeconds(5));
        }
    }

    static void stop(Process process, Duration grace) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // And those it started while stopping (a JVM's cache assembly): once it is killed they are orphans.
                children = Stream.concat(children.stream(), process.descendants())
                        .distinct()
                        .toList();
                process.destroyForcibly();
                process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroy();
            }
        }
    }
}

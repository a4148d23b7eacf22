package dev.doorward.bench;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark runner: starts a hub (exec jar, embedded PostgreSQL) and, for reference, Mosquitto, each in
 * its own process; registers a fleet of simulated devices; runs the load generator ({@link LoadGenMain}) in
 * another process per scenario and target; samples the servers' CPU and memory from /proc; writes the
 * table as markdown and CSV.
 */
public final class Bench {
    /** Everything a run can be told; see {@link #parse}. */
    public record Options(
            List<String> scenarios,
            int devices,
            int members,
            int presses,
            double rate,
            int window,
            String reference,
            Path out,
            Path hubJar,
            int loops,
            long timeoutMillis) {}

    /** One line of the table. */
    public record Row(String scenario, String metric, String unit, Double doorward, Double reference, String target) {
        public Double ratio() {
            return doorward == null || reference == null || reference == 0 ? null : doorward / reference;
        }
    }

    public record Result(List<Row> rows, String markdown, String csv, Path markdownFile, Path csvFile) {}

    private final Options options;
    private final String javaBin =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public Bench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        Result result = new Bench(options).run();
        System.out.println(result.markdown());
        System.out.println("Written: " + result.markdownFile() + " and " + result.csvFile());
        System.exit(0);
    }

    public static Options parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("arguments are --name=value, not " + arg);
            }
            a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        Options o = new Options(
                List.of(a.getOrDefault("scenarios", "connect,ring").split(",")),
                Integer.parseInt(a.getOrDefault("devices", "10000")),
                Integer.parseInt(a.getOrDefault("members", "10")),
                Integer.parseInt(a.getOrDefault("presses", "2000")),
                Double.parseDouble(a.getOrDefault("rate", "100")),
                Integer.parseInt(a.getOrDefault("window", "256")),
                a.getOrDefault("reference", "auto"),
                Path.of(a.getOrDefault("out", "bench/target/results")),
                Path.of(a.getOrDefault("hub-jar", "hub/target/doorward-hub-0.1.0-SNAPSHOT-exec.jar")),
                Integer.parseInt(a.getOrDefault("loops", "2")),
                Long.parseLong(a.getOrDefault("timeout-seconds", "180")) * 1000);
        if (o.devices() < 1 || o.devices() > 100_000) {
            throw new IllegalArgumentException("--devices is 1..100000");
        }
        for (String s : o.scenarios()) {
            if (s.equals("live")) {
                throw new IllegalArgumentException("the live scenario does not exist yet: Doorward has no live view");
            }
            if (!s.equals("connect") && !s.equals("ring")) {
                throw new IllegalArgumentException("unknown scenario " + s + " (connect, ring)");
            }
        }
        return o;
    }

    public Result run() throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path out = options.out().toAbsolutePath();
        Path work = out.resolve("work");
        deleteRecursively(work);
        Files.createDirectories(work);
        Path mosquittoBinary = Servers.Mosquitto.find();
        boolean reference = switch (options.reference()) {
            case "on" -> {
                if (mosquittoBinary == null) {
                    throw new IllegalStateException("--reference=on but mosquitto is not installed");
                }
                yield true;
            }
            case "off" -> false;
            default -> mosquittoBinary != null;
        };
        if (!reference) {
            notes.add("Reference (Mosquitto) not run: "
                    + (mosquittoBinary == null ? "not installed" : "--reference=off"));
        }
        CertificateAuthority manufacturer = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA,
                "Bench manufacturer",
                Duration.ofDays(30),
                Clock.systemUTC(),
                new SecureRandom());
        manufacturer.save(work.resolve("factory-ca"));
        List<String> locals = new ArrayList<>();
        for (int i = 0; i <= (options.devices() - 1) / 25_000; i++) {
            locals.add("127.0.0." + (i + 1));
        }
        String settings;
        try (Servers.Hub hub = new Servers.Hub(
                javaBin, options.hubJar().toAbsolutePath(), work, work.resolve("factory-ca/ca.crt"), List.of())) {
            long t0 = System.nanoTime();
            String[] owner = hub.createOwner();
            CertificateAuthority hubCa =
                    CertificateAuthority.load(hub.dataDir.resolve("pki/hub-ca"), Clock.systemUTC(), new SecureRandom());
            Fleet fleet = Fleet.mint(hubCa, options.devices());
            fleet.save(work.resolve("fleet"));
            hub.register(fleet, owner[1]);
            notes.add(String.format(
                    Locale.ROOT,
                    "Fleet of %d devices minted and registered in %.1f s (one shared P-256 key, one certificate each).",
                    options.devices(),
                    (System.nanoTime() - t0) / 1e9));
            settings = String.format(
                    Locale.ROOT,
                    "devices=%d members=%d presses=%d rate=%.0f/s connect-window=%d loadgen-loops=%d source-addresses=%s",
                    options.devices(),
                    options.members(),
                    options.presses(),
                    options.rate(),
                    options.window(),
                    options.loops(),
                    String.join(",", locals));
            Servers.Mosquitto mosquitto = reference ? new Servers.Mosquitto(mosquittoBinary, work, hub.dataDir) : null;
            try {
                for (String scenario : options.scenarios()) {
                    Map<String, String> common = new LinkedHashMap<>();
                    common.put("scenario", scenario);
                    common.put("devices", Integer.toString(options.devices()));
                    common.put("members", Integer.toString(options.members()));
                    common.put("presses", Integer.toString(options.presses()));
                    common.put("rate", Double.toString(options.rate()));
                    common.put("window", Integer.toString(options.window()));
                    common.put("loops", Integer.toString(options.loops()));
                    common.put("fleet", work.resolve("fleet").toString());
                    common.put("local", String.join(",", locals));
                    common.put("timeoutMillis", Long.toString(options.timeoutMillis()));
                    Map<String, String> d = new LinkedHashMap<>(common);
                    d.put("target", "doorward");
                    d.put("port", Integer.toString(hub.devicePort));
                    d.put("browserPort", Integer.toString(hub.browserPort));
                    d.put("cookie", owner[0]);
                    Run doorward = loadGen(work, d, hub.pid(), scenario + "-doorward");
                    Run mqtt = null;
                    if (mosquitto != null) {
                        Map<String, String> m = new LinkedHashMap<>(common);
                        m.put("target", "mqtt");
                        m.put("port", Integer.toString(mosquitto.port));
                        mqtt = loadGen(work, m, mosquitto.process.pid(), scenario + "-mosquitto");
                    }
                    if (scenario.equals("connect")) {
                        connectRows(doorward, mqtt);
                    } else {
                        ringRows(doorward, mqtt);
                    }
                }
            } finally {
                if (mosquitto != null) {
                    mosquitto.close();
                }
            }
        }
        return Report.write(out, started, settings, rows, notes, reference ? mosquittoVersion(mosquittoBinary) : null);
    }

    /** What one load generator run said, and the server samples taken at its waits. */
    record Run(Map<String, String> results, Map<String, Servers.Sample> samples) {
        Double num(String key) {
            String v = results.get(key);
            if (v == null) {
                return null;
            }
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        Servers.Sample sample(String name) {
            return samples.get(name);
        }
    }

    private Run loadGen(Path work, Map<String, String> args, long serverPid, String name) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                javaBin,
                "-Xmx4g",
                "-XX:+UseParallelGC",
                "-cp",
                System.getProperty("java.class.path"),
                LoadGenMain.class.getName()));
        args.forEach((k, v) -> command.add(k + "=" + v));
        Process process = new ProcessBuilder(command)
                .redirectError(work.resolve(name + ".err").toFile())
                .start();
        Map<String, String> results = new LinkedHashMap<>();
        Map<String, Servers.Sample> samples = new LinkedHashMap<>();
        long deadline = System.nanoTime() + (options.timeoutMillis() * 3 + 120_000) * 1_000_000L;
        try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer to = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("@result ")) {
                    String[] kv = line.substring(8).split(" ", 2);
                    results.put(kv[0], kv.length > 1 ? kv[1] : "");
                } else if (line.startsWith("@wait ")) {
                    String wait = line.substring(6);
                    if (wait.equals("connected") || wait.equals("baseline")) {
                        Thread.sleep(wait.equals("baseline") ? 1_000 : 3_000); // let the server settle
                    }
                    samples.put(wait, Servers.Sample.of(serverPid));
                    to.write("go\n");
                    to.flush();
                } else if (line.equals("@done")) {
                    break;
                }
            }
        } finally {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        if (!results.containsKey("connect.connected")) {
            throw new IllegalStateException("load generator " + name + " failed; see " + work.resolve(name + ".err"));
        }
        return new Run(results, samples);
    }

    private void connectRows(Run d, Run m) {
        String s = "connect";
        add(s, "devices connected", "count", d, m, r -> r.num("connect.connected"), "N");
        add(
                s,
                "initial connect rate (window " + options.window() + ")",
                "conn/s",
                d,
                m,
                r -> r.num("connect.perSecond"),
                "");
        add(s, "server RSS before", "MiB", d, m, r -> mib(r.sample("baseline").rssBytes()), "");
        add(
                s,
                "server RSS with all connected",
                "MiB",
                d,
                m,
                r -> mib(r.sample("connected").rssBytes()),
                "≤ 2048 at 100 000");
        add(
                s,
                "server RSS per idle connection",
                "KiB",
                d,
                m,
                r -> {
                    Double n = r.num("connect.connected");
                    return n == null || n == 0
                            ? null
                            : (r.sample("connected").rssBytes()
                                            - r.sample("baseline").rssBytes())
                                    / 1024.0
                                    / n;
                },
                "≤ 21");
        add(s, "reconnect storm: devices back", "count", d, m, r -> r.num("storm.connected"), "N");
        add(s, "reconnect storm: time until all back", "s", d, m, r -> r.num("storm.seconds"), "≤ 10 at 10 000");
        add(s, "reconnect storm: full handshakes", "hs/s", d, m, r -> r.num("storm.perSecond"), "≥ 1000");
        add(s, "reconnect storm: handshake p50", "ms", d, m, r -> r.num("storm.handshakeP50Ms"), "");
        add(s, "reconnect storm: handshake p99", "ms", d, m, r -> r.num("storm.handshakeP99Ms"), "");
        add(
                s,
                "reconnect storm: server CPU per connection",
                "ms",
                d,
                m,
                r -> {
                    Double n = r.num("storm.connected");
                    Servers.Sample a = r.sample("storm-start");
                    Servers.Sample b = r.sample("storm-end");
                    return n == null || n == 0 || a == null || b == null
                            ? null
                            : (b.cpuSeconds() - a.cpuSeconds()) * 1000 / n;
                },
                "");
        failures(s, "doorward", d);
        failures(s, "mosquitto", m);
    }

    private void ringRows(Run d, Run m) {
        String s = "ring";
        add(s, "devices connected", "count", d, m, r -> r.num("connect.connected"), "N");
        add(s, "member sessions listening", "count", d, m, r -> r.num("members.open"), "M");
        add(s, "presses", "count", d, m, r -> r.num("ring.presses"), "");
        add(s, "rings expected (presses × sessions)", "count", d, m, r -> r.num("ring.expected"), "");
        add(s, "rings received", "count", d, m, r -> r.num("ring.received"), "= expected");
        add(s, "press → ring p50", "ms", d, m, r -> r.num("ring.p50Ms"), "≤ 1");
        add(s, "press → ring p99", "ms", d, m, r -> r.num("ring.p99Ms"), "≤ 5");
        add(s, "press → ring max", "ms", d, m, r -> r.num("ring.maxMs"), "");
        add(s, "press → ring mean", "ms", d, m, r -> r.num("ring.meanMs"), "");
        add(
                s,
                "server CPU during presses",
                "% of a core",
                d,
                m,
                r -> {
                    Servers.Sample a = r.sample("presses-start");
                    Servers.Sample b = r.sample("presses-end");
                    return a == null || b == null
                            ? null
                            : (b.cpuSeconds() - a.cpuSeconds()) / ((b.nanoTime() - a.nanoTime()) / 1e9) * 100;
                },
                "");
        add(
                s,
                "server RSS during presses",
                "MiB",
                d,
                m,
                r -> r.sample("presses-end") == null
                        ? null
                        : mib(r.sample("presses-end").rssBytes()),
                "");
        add(s, "device messages refused by the server", "count", d, m, r -> r.num("ring.deviceErrors"), "0");
        failures(s, "doorward", d);
        failures(s, "mosquitto", m);
    }

    private void failures(String scenario, String who, Run r) {
        if (r == null) {
            return;
        }
        r.results.forEach((k, v) -> {
            if (k.endsWith(".failures") && !v.equals("{}")) {
                notes.add(scenario + " / " + who + " / " + k + ": " + v);
            }
        });
    }

    private interface Metric {
        Double of(Run run);
    }

    private void add(String scenario, String metric, String unit, Run d, Run m, Metric f, String target) {
        String t = target.replace("N", Integer.toString(options.devices()))
                .replace("M", Integer.toString(options.members()));
        if (target.equals("N") || target.equals("M")) {
            t = "= " + t;
        }
        rows.add(new Row(scenario, metric, unit, safe(f, d), m == null ? null : safe(f, m), t));
    }

    private static Double safe(Metric f, Run r) {
        try {
            return f.of(r);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Double mib(long bytes) {
        return bytes < 0 ? null : bytes / 1024.0 / 1024.0;
    }

    private static String mosquittoVersion(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "-h")
                    .redirectErrorStream(true)
                    .start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("");
            p.waitFor();
            return first.strip();
        } catch (IOException | InterruptedException e) {
            return "mosquitto";
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

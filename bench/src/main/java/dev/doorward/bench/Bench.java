package dev.doorward.bench;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.hub.testing.PushServiceStandIn;
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
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The benchmark runner: starts a hub (exec jar, embedded PostgreSQL) and, for reference, Mosquitto (connect,
 * ring) and nginx with nchan (live), each in its own process; registers a fleet of simulated devices; runs the load generator ({@link LoadGenMain}) in
 * another process per scenario and target; samples the servers' CPU and memory from /proc; writes the
 * table as markdown and CSV.
 *
 * <p>One class: the runner's steps (start, register, run, sample, write the table) are one script in order; it is
 * benchmark tooling, not shipped code.
 */
public final class Bench {
    /** Everything a run can be told; see {@link #parse}. */
    public record Options(
            List<String> scenarios,
            int devices,
            int members,
            int presses,
            double rate,
            double ringWarmUpSeconds,
            int window,
            String reference,
            Path out,
            Path hubJar,
            String hubHeap,
            int loops,
            long timeoutMillis,
            Live live,
            String push,
            int pushSubscriptions,
            ClusterRun cluster,
            String aot,
            List<String> aotTraining) {

        /**
         * The training scenarios ({@code --aot-training}) at a small scale, for a hub that records its ahead-of-time
         * cache ({@link HubAot}): a smaller fleet, fewer taps, no reference.
         */
        Options training(Path trainingOut, Path extractedJar, Path cache) {
            return new Options(
                    aotTraining,
                    Math.min(devices, 2_000),
                    members,
                    // As many presses as measured (up to 30 s of them): a ring's methods reach the JIT's thresholds
                    // only after a few thousand rings, and a profile recorded before is one the JIT cannot use yet.
                    Math.min(presses, 3_000),
                    rate,
                    ringWarmUpSeconds,
                    Math.min(window, 256),
                    "off",
                    trainingOut,
                    extractedJar,
                    hubHeap,
                    loops,
                    timeoutMillis,
                    new Live(
                            live.devices(),
                            live.viewers(),
                            Math.min(live.probes(), 200),
                            Math.min(live.seconds(), 10),
                            live.openRate(),
                            live.fps(),
                            live.gop(),
                            live.keyframeBytes(),
                            live.frameBytes(),
                            live.audioRate(),
                            live.audioBytes()),
                    push,
                    pushSubscriptions,
                    cluster,
                    "record:" + cache,
                    List.of());
        }
    }

    /**
     * {@code --cluster=3}: the scenarios against three hub nodes behind HAProxy (docs/benchmarks.md, "Cluster").
     *
     * @param nodes 0 (a single hub, the default) or 3
     * @param perNode doorbells each node holds in the connect scenario (3 load generators, one per node, straight to
     *     the node: one process may hold 20 000 open files here, and HAProxy needs two per link)
     * @param stormDevices doorbells linked through HAProxy for the storm (HAProxy's maxconn 8 000 and its 20 000
     *     files, two per link, bound it)
     * @param single whether the ring's single-node figures are measured beside the cluster's, in the same run
     */
    public record ClusterRun(int nodes, int perNode, int stormDevices, boolean single) {}

    /**
     * The live scenario: {@code devices} doorbells streaming, {@code viewers} viewers each, joining at
     * {@code openRate} per second, then {@code probes} more taps that leave after their first keyframe (so the
     * tap's p99 is a statistic, not the second-worst of 200), measured for {@code seconds}.
     */
    public record Live(
            int devices,
            int viewers,
            int probes,
            double seconds,
            double openRate,
            double fps,
            int gop,
            int keyframeBytes,
            int frameBytes,
            double audioRate,
            int audioBytes) {
        static final int VIEWERS_PER_ACCOUNT = 25;

        int accounts() {
            return (devices * viewers + probes + VIEWERS_PER_ACCOUNT - 1) / VIEWERS_PER_ACCOUNT;
        }
    }

    /** One line of the table. */
    public record Row(String scenario, String metric, String unit, Double doorward, Double reference, String target) {
        public Double ratio() {
            return doorward == null || reference == null || reference == 0 || doorward.isNaN() || reference.isNaN()
                    ? null
                    : doorward / reference;
        }
    }

    public record Result(List<Row> rows, String markdown, String csv, Path markdownFile, Path csvFile) {}

    private final Options options;
    final String javaBin =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** The push service on loopback for the ring scenario (null without push). */
    private PushServiceStandIn pushService;

    private IdleThreads pushServiceThreads;

    /** The hub's ahead-of-time cache options ({@link HubAot}); none for a cold start. */
    private List<String> aotJvmOptions = List.of();

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
        // Live first: once the ring scenario's fleet leaves, the hub records an "offline" history event for each of
        // its 10 000 doorbells a minute later, which would land in the live window.
        List<String> scenarios = List.of(
                a.getOrDefault("scenarios", a.containsKey("cluster") ? "ring,live,connect,storm" : "live,connect,ring")
                        .split(","));
        Options o = new Options(
                scenarios,
                Integer.parseInt(a.getOrDefault("devices", "10000")),
                Integer.parseInt(a.getOrDefault("members", "10")),
                Integer.parseInt(a.getOrDefault("presses", "1000")),
                Double.parseDouble(a.getOrDefault("rate", "100")),
                Double.parseDouble(a.getOrDefault("ring-warm-up", "3")),
                Integer.parseInt(a.getOrDefault("window", "256")),
                a.getOrDefault("reference", "auto"),
                Path.of(a.getOrDefault("out", "bench/target/results")),
                Path.of(a.getOrDefault("hub-jar", "hub/target/doorward-hub-0.1.0-SNAPSHOT-exec.jar")),
                a.getOrDefault("hub-heap", "1536m"),
                Integer.parseInt(a.getOrDefault("loops", "2")),
                Long.parseLong(a.getOrDefault("timeout-seconds", "180")) * 1000,
                new Live(
                        Integer.parseInt(a.getOrDefault("live-devices", "20")),
                        Integer.parseInt(a.getOrDefault("viewers", "10")),
                        Integer.parseInt(a.getOrDefault("tap-probes", "800")),
                        Double.parseDouble(a.getOrDefault("live-seconds", "30")),
                        Double.parseDouble(a.getOrDefault("open-rate", "20")),
                        Double.parseDouble(a.getOrDefault("fps", "10")),
                        Integer.parseInt(a.getOrDefault("gop", "20")),
                        Integer.parseInt(a.getOrDefault("keyframe-bytes", "15000")),
                        Integer.parseInt(a.getOrDefault("frame-bytes", "4000")),
                        Double.parseDouble(a.getOrDefault("audio-rate", "50")),
                        Integer.parseInt(a.getOrDefault("audio-bytes", "700"))),
                a.getOrDefault("push", "on"),
                Integer.parseInt(a.getOrDefault("push-subscriptions", a.getOrDefault("members", "10"))),
                new ClusterRun(
                        Integer.parseInt(a.getOrDefault("cluster", "0")),
                        Integer.parseInt(a.getOrDefault("per-node", "18000")),
                        Integer.parseInt(a.getOrDefault("storm-devices", "6000")),
                        !a.getOrDefault("single", "on").equals("off")),
                a.getOrDefault("aot", "on"),
                // The measured scenarios unless told: what the cache should hold is what the measured hub will run.
                a.containsKey("aot-training") ? List.of(a.get("aot-training").split(",")) : scenarios);
        if (!o.aot().equals("on") && !o.aot().equals("off")) {
            throw new IllegalArgumentException("--aot is on or off");
        }
        if (!o.push().equals("on") && !o.push().equals("off")) {
            throw new IllegalArgumentException("--push is on or off");
        }
        if (o.pushSubscriptions() < 1 || o.pushSubscriptions() > 50) {
            throw new IllegalArgumentException("--push-subscriptions is 1..50 (browsers in one roster)");
        }
        if (o.devices() < 1 || o.devices() > 100_000) {
            throw new IllegalArgumentException("--devices is 1..100000");
        }
        if (o.cluster().nodes() != 0 && o.cluster().nodes() != 3) {
            throw new IllegalArgumentException("--cluster is 3 (three nodes behind HAProxy) or absent");
        }
        if (o.cluster().nodes() == 3) {
            for (String s : o.scenarios()) {
                if (!List.of("ring", "live", "connect", "storm").contains(s)) {
                    throw new IllegalArgumentException(
                            "unknown cluster scenario " + s + " (ring, live, connect, storm)");
                }
            }
            if (o.cluster().perNode() < 1 || o.cluster().perNode() > 19_000) {
                throw new IllegalArgumentException(
                        "--per-node is 1..19000 (one load generator per node, 20 000 open files per process)");
            }
            if (o.scenarios().contains("ring") && o.devices() > 7_500) {
                throw new IllegalArgumentException("--devices is at most 7500 with --cluster=3: the ring's doorbells"
                        + " link through HAProxy (maxconn 8 000, two files per link, 20 000 files per process)");
            }
            if (o.cluster().stormDevices() < 3 || o.cluster().stormDevices() > 7_500) {
                throw new IllegalArgumentException(
                        "--storm-devices is 3..7500 (through HAProxy: maxconn 8 000, two files per link)");
            }
        }
        for (String s : o.cluster().nodes() > 0 ? List.<String>of() : o.scenarios()) {
            if (!s.equals("connect") && !s.equals("ring") && !s.equals("live")) {
                throw new IllegalArgumentException("unknown scenario " + s + " (connect, ring, live)");
            }
        }
        for (String s : o.aotTraining()) {
            if (!o.scenarios().contains(s)) {
                throw new IllegalArgumentException(
                        "--aot-training trains on measured scenarios only (" + String.join(",", o.scenarios()) + ")");
            }
        }
        Live live = o.live();
        if (live.devices() < 1 || live.viewers() < 1 || live.probes() < 0 || live.accounts() > 19 * 50) {
            throw new IllegalArgumentException("--live-devices and --viewers are at least 1, --tap-probes at least 0"
                    + " (and at most " + 19 * 50 * Live.VIEWERS_PER_ACCOUNT + " taps in all)");
        }
        if (live.fps() <= 0 || live.gop() < 1 || live.seconds() <= 0 || live.openRate() <= 0) {
            throw new IllegalArgumentException("--fps, --gop, --live-seconds and --open-rate are positive");
        }
        int largest = Math.max(Math.max(live.keyframeBytes(), live.frameBytes()), live.audioBytes());
        if (Math.min(Math.min(live.keyframeBytes(), live.frameBytes()), live.audioBytes()) < LiveGen.BENCH_HEADER
                || largest > 1_000_000) {
            throw new IllegalArgumentException(
                    "frame sizes are " + LiveGen.BENCH_HEADER + " to 1 000 000 bytes (the bench header is inside)");
        }
        return o;
    }

    public Result run() throws Exception {
        if (options.cluster().nodes() > 0) {
            return new ClusterBench(this, options).run();
        }
        requireOpenFiles();
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path out = options.out().toAbsolutePath();
        Path work = out.resolve("work");
        deleteRecursively(work);
        Files.createDirectories(work);
        boolean wantsMqtt =
                options.scenarios().contains("connect") || options.scenarios().contains("ring");
        boolean wantsLive = options.scenarios().contains("live");
        Path mosquittoBinary = wantsMqtt ? Servers.Mosquitto.find() : null;
        Path nginxBinary = wantsLive ? Servers.Nginx.find() : null;
        boolean reference = wantsMqtt && reference("Mosquitto (apt-get install mosquitto)", mosquittoBinary);
        boolean liveReference =
                wantsLive && reference("nginx + nchan (apt-get install nginx libnginx-mod-nchan)", nginxBinary);
        CertificateAuthority manufacturer = manufacturerCa(work);
        int fleetSize = wantsMqtt
                ? Math.max(options.devices(), wantsLive ? options.live().devices() : 0)
                : options.live().devices();
        List<String> locals = new ArrayList<>();
        for (int i = 0; i <= (fleetSize - 1) / LoadGen.DEVICES_PER_SOURCE_ADDRESS; i++) {
            locals.add("127.0.0." + (i + 1));
        }
        Path hubJar = hubAsRun(work);
        String settings;
        // Ring with push: a push service on loopback that the hub may reach (by name, with its own CA), and the
        // owner's browsers approved; they get their subscriptions between the push-off and push-on presses.
        boolean wantsPush =
                options.scenarios().contains("ring") && options.push().equals("on");
        List<String> hubSettings = new ArrayList<>();
        if (wantsPush) {
            // Below the hub's priority, as if on another machine (IdleThreads says why); said in the results.
            pushServiceThreads = new IdleThreads("push-service-");
            pushService = PushServiceStandIn.start(
                    work.resolve("push-service"), Executors.newCachedThreadPool(pushServiceThreads));
            pushService.hubProperties().forEach((k, v) -> hubSettings.add("--" + k + "=" + v));
        }
        try (Servers.Hub hub = new Servers.Hub(
                javaBin, hubJar, work, work.resolve("factory-ca/ca.crt"), hubJvmOptions(work), hubSettings)) {
            long t0 = System.nanoTime();
            String[] owner = hub.createOwner();
            List<String> pushBrowsers =
                    wantsPush ? hub.approveOwnerBrowsers(options.pushSubscriptions(), owner[1]) : List.of();
            CertificateAuthority hubCa =
                    CertificateAuthority.load(hub.dataDir.resolve("pki/hub-ca"), Clock.systemUTC(), new SecureRandom());
            Fleet fleet = Fleet.mint(hubCa, fleetSize);
            fleet.save(work.resolve("fleet"));
            hub.register(fleet, owner[1]);
            notes.add(String.format(
                    Locale.ROOT,
                    "Fleet of %d devices minted and registered in %.1f s (one shared P-256 key, one certificate each).",
                    fleetSize,
                    (System.nanoTime() - t0) / 1e9));
            if (KernelMonitor.running()) {
                notes.add("The kernel's memory monitor (DAMON's kdamond) runs on this machine: each time it samples"
                        + " memory it takes a core for a while, and rings or frames that arrive then wait, on both"
                        + " servers alike (the ring row \"the kernel's memory monitor\" says how much; docs/benchmarks.md,"
                        + " session 19).");
            }
            Path cookies = work.resolve("viewer-cookies.txt");
            if (wantsLive) {
                long t1 = System.nanoTime();
                List<String> sessions = hub.createMembers(options.live().accounts(), owner[1]);
                Files.write(cookies, sessions);
                notes.add(String.format(
                        Locale.ROOT,
                        "live: %d resident members signed in for the viewers (%d viewers per account) in %.1f s;"
                                + " each member's app is open (its stream on the live port) before its first tap,"
                                + " as in the web app.",
                        sessions.size(),
                        Live.VIEWERS_PER_ACCOUNT,
                        (System.nanoTime() - t1) / 1e9));
            }
            List<String> parts = new ArrayList<>();
            if (wantsMqtt) {
                parts.add(String.format(
                        Locale.ROOT,
                        "devices=%d members=%d presses=%d rate=%.0f/s connect-window=%d",
                        options.devices(),
                        options.members(),
                        options.presses(),
                        options.rate(),
                        options.window()));
            }
            if (wantsLive) {
                Live l = options.live();
                parts.add(String.format(
                        Locale.ROOT,
                        "live: devices=%d viewers=%d/device window=%.0fs open-rate=%.0f/s video=%.0ffps gop=%d"
                                + " keyframe=%dB frame=%dB audio=%.0f/s×%dB",
                        l.devices(),
                        l.viewers(),
                        l.seconds(),
                        l.openRate(),
                        l.fps(),
                        l.gop(),
                        l.keyframeBytes(),
                        l.frameBytes(),
                        l.audioRate(),
                        l.audioBytes()));
            }
            parts.add(String.format(
                    Locale.ROOT,
                    "hub-heap=%s loadgen-loops=%d source-addresses=%s",
                    options.hubHeap(),
                    options.loops(),
                    String.join(",", locals)));
            String extraJvm = System.getenv("BENCH_HUB_JVM_OPTIONS");
            if (extraJvm != null && !extraJvm.isBlank()) {
                parts.add("hub-jvm-options=\"" + extraJvm.trim() + "\"");
            }
            if (wantsPush) {
                parts.add("push=on push-subscriptions=" + options.pushSubscriptions()
                        + " (push-service stand-in on loopback, RFC 8030 over TLS 1.3)");
            }
            settings = String.join(" ", parts);
            Servers.Mosquitto mosquitto = reference ? new Servers.Mosquitto(mosquittoBinary, work, hub.dataDir) : null;
            Servers.Nginx nginx = liveReference ? new Servers.Nginx(nginxBinary, work, hub.dataDir) : null;
            try {
                for (String scenario : options.scenarios()) {
                    if (scenario.equals("live")) {
                        liveScenario(work, hub, owner, nginx, cookies);
                        continue;
                    }
                    Map<String, String> common = new LinkedHashMap<>();
                    common.put("scenario", scenario);
                    common.put("devices", Integer.toString(options.devices()));
                    common.put("members", Integer.toString(options.members()));
                    common.put("presses", Integer.toString(options.presses()));
                    common.put("rate", Double.toString(options.rate()));
                    common.put("warmUpSeconds", Double.toString(options.ringWarmUpSeconds()));
                    common.put("window", Integer.toString(options.window()));
                    common.put("loops", Integer.toString(options.loops()));
                    common.put("fleet", work.resolve("fleet").toString());
                    common.put("local", String.join(",", locals));
                    common.put("timeoutMillis", Long.toString(options.timeoutMillis()));
                    Map<String, String> d = new LinkedHashMap<>(common);
                    d.put("target", "doorward");
                    d.put("port", Integer.toString(hub.devicePort));
                    d.put("browserPort", Integer.toString(hub.browserPort));
                    d.put("streamPort", Integer.toString(hub.livePort));
                    d.put("cookie", owner[0]);
                    boolean withPush = wantsPush && scenario.equals("ring");
                    Path pushPresses = work.resolve("ring-push-presses.txt");
                    Map<String, PushServiceStandIn.Subscription> subscriptions = new LinkedHashMap<>();
                    if (withPush) {
                        d.put("pushPresses", pushPresses.toString());
                    }
                    if (scenario.equals("ring")) {
                        d.put(
                                "timeline",
                                work.resolve("ring-doorward-timeline.tsv").toString());
                    }
                    Run doorward = loadGen(
                            work,
                            d,
                            () -> Servers.Sample.of(hub.pid()),
                            hub::liveHeapBytes,
                            wait -> {
                                if (wait.equals("push-subscribe")) {
                                    for (String clientId : pushBrowsers) {
                                        PushServiceStandIn.Subscription sub = pushService.subscribe();
                                        hub.subscribe(clientId, sub.endpoint(), sub.p256dh(), sub.authSecret());
                                        subscriptions.put(sub.channelId(), sub);
                                    }
                                } else if (wait.equals("push-unsubscribe")) {
                                    for (String clientId : pushBrowsers) {
                                        hub.unsubscribe(clientId);
                                    }
                                } else if (wait.equals("push-presses-end")) {
                                    // Pushes leave the hub after the rings: give them as long as the rings get.
                                    awaitPushes(
                                            (LoadGenMain.warmUpPresses(options.rate(), options.ringWarmUpSeconds())
                                                            + options.presses())
                                                    * subscriptions.size(),
                                            Duration.ofSeconds(20));
                                }
                            },
                            scenario + "-doorward");
                    Run mqtt = null;
                    if (mosquitto != null) {
                        Map<String, String> m = new LinkedHashMap<>(common);
                        m.put("target", "mqtt");
                        m.put("port", Integer.toString(mosquitto.port));
                        if (scenario.equals("ring")) {
                            m.put(
                                    "timeline",
                                    work.resolve("ring-mosquitto-timeline.tsv").toString());
                        }
                        long pid = mosquitto.process.pid();
                        mqtt = loadGen(work, m, () -> Servers.Sample.of(pid), scenario + "-mosquitto");
                    }
                    if (scenario.equals("connect")) {
                        connectRows(doorward, mqtt);
                    } else {
                        ringRows(doorward, mqtt);
                        if (withPush) {
                            pushRows(doorward, subscriptions, pushPresses);
                        }
                    }
                }
            } finally {
                if (pushService != null) {
                    pushService.close();
                    notes.add(
                            pushServiceThreads.demoted()
                                    ? "The push-service stand-in handled requests at SCHED_IDLE, as if on another machine"
                                            + " (the hub's Web Push process runs at SCHED_IDLE too)"
                                    : "The push-service stand-in's threads could not be put at SCHED_IDLE (no chrt?): it"
                                            + " competed with the hub at normal priority");
                }
                if (mosquitto != null) {
                    mosquitto.close();
                }
                if (nginx != null) {
                    nginx.close();
                }
            }
        }
        List<String> references = new ArrayList<>();
        if (reference) {
            references.add(mosquittoVersion(mosquittoBinary) + " (connect, ring)");
        }
        if (liveReference) {
            references.add(Servers.Nginx.version(nginxBinary) + " (live)");
        }
        return Report.write(
                out, started, settings, rows, notes, references.isEmpty() ? null : String.join("; ", references));
    }

    /** Whether to run a reference server, by --reference and whether it is installed. */
    private boolean reference(String what, Path binary) {
        switch (options.reference()) {
            case "on" -> {
                if (binary == null) {
                    throw new IllegalStateException("--reference=on but " + what + " is not installed");
                }
                return true;
            }
            case "off" -> {
                notes.add("Reference " + what + " not run: --reference=off");
                return false;
            }
            default -> {
                if (binary == null) {
                    notes.add("Reference " + what + " not run: not installed");
                }
                return binary != null;
            }
        }
    }

    private void liveScenario(Path work, Servers.Hub hub, String[] owner, Servers.Nginx nginx, Path cookies)
            throws Exception {
        Live l = options.live();
        Map<String, String> common = new LinkedHashMap<>();
        common.put("scenario", "live");
        common.put("devices", Integer.toString(l.devices()));
        common.put("viewers", Integer.toString(l.viewers()));
        common.put("probes", Integer.toString(l.probes()));
        common.put("seconds", Double.toString(l.seconds()));
        common.put("openRate", Double.toString(l.openRate()));
        common.put("fps", Double.toString(l.fps()));
        common.put("gop", Integer.toString(l.gop()));
        common.put("keyframeBytes", Integer.toString(l.keyframeBytes()));
        common.put("frameBytes", Integer.toString(l.frameBytes()));
        common.put("audioRate", Double.toString(l.audioRate()));
        common.put("audioBytes", Integer.toString(l.audioBytes()));
        common.put("loops", Integer.toString(options.loops()));
        common.put("fleet", work.resolve("fleet").toString());
        common.put("timeoutMillis", Long.toString(options.timeoutMillis()));
        Map<String, String> d = new LinkedHashMap<>(common);
        d.put("target", "doorward");
        d.put("port", Integer.toString(hub.devicePort));
        d.put("viewerPort", Integer.toString(hub.livePort));
        d.put("pagePort", Integer.toString(hub.browserPort));
        d.put("cookies", cookies.toString());
        d.put("viewersPerAccount", Integer.toString(Live.VIEWERS_PER_ACCOUNT));
        // Live runs first, seconds after the hub started: its first viewers met code still being compiled (tap ->
        // first keyframe p99 115 ms against nchan's 39 in session 11, with 10 - 37 ms collections while they
        // joined). A hub has been up for days, so each target is run once unmeasured first (a 3 s window), then
        // again after the hub's minute of live views per account (RateLimit.LIVE_VIEWS) has passed.
        boolean warmUp = l.seconds() >= 10;
        if (warmUp) {
            loadGen(work, warmUp(d), () -> Servers.Sample.of(hub.pid()), "live-doorward-warm-up");
            Thread.sleep(61_000);
        }
        Run doorward = loadGen(work, d, () -> Servers.Sample.of(hub.pid()), "live-doorward");
        Run reference = null;
        if (nginx != null) {
            Map<String, String> n = new LinkedHashMap<>(common);
            n.put("target", "nchan");
            n.put("port", Integer.toString(nginx.publisherPort));
            n.put("viewerPort", Integer.toString(nginx.subscriberPort));
            long pid = nginx.process.pid();
            if (warmUp) {
                loadGen(work, warmUp(n), () -> Servers.Sample.ofTree(pid), "live-nginx-warm-up");
            }
            reference = loadGen(work, n, () -> Servers.Sample.ofTree(pid), "live-nginx");
        }
        if (warmUp) {
            notes.add("live: each target ran once unmeasured first (a 3 s window), then the measured run");
        }
        liveRows(doorward, reference);
    }

    /** The same live run with a short window, for warming up. */
    private static Map<String, String> warmUp(Map<String, String> args) {
        Map<String, String> warm = new LinkedHashMap<>(args);
        warm.put("seconds", "3.0");
        warm.put("probes", "0");
        return warm;
    }

    /**
     * Every idle device is one open file in the server and one in the load generator, and both inherit this
     * process's limit. Refuse at once, with the reason, a run the limit cannot hold rather than fail halfway.
     */
    private void requireOpenFiles() throws IOException {
        int needed = options.devices() + 2_000; // the hub's own files, its database connections, the jars
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                if (!soft.equals("unlimited") && Long.parseLong(soft) < needed) {
                    throw new IllegalStateException("--devices=" + options.devices() + " needs " + needed
                            + " open files per process, and this machine allows " + soft
                            + " (ulimit -n; raising it needs privileges bench/run does not have here)");
                }
            }
        }
    }

    /** The fleet's manufacturer CA, saved in the run's directory (the hub trusts it by its certificate there). */
    static CertificateAuthority manufacturerCa(Path work) {
        CertificateAuthority manufacturer = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA,
                "Bench manufacturer",
                Duration.ofDays(30),
                Clock.systemUTC(),
                new SecureRandom());
        manufacturer.save(work.resolve("factory-ca"));
        return manufacturer;
    }

    /** What one load generator run said, and the server samples taken at its waits. */
    record Run(Map<String, String> results, Map<String, Servers.Sample> samples, Map<String, Long> liveHeap) {
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

        /** Bytes of Java heap in use after a full GC at this wait; null for a server that is not a JVM. */
        Long liveHeap(String name) {
            return liveHeap.get(name);
        }
    }

    /**
     * The budget DESIGN §11 sets for 100 000 links is 2 GiB in all; the heap gets most of it. The hub's GC pauses go
     * to {@code hub-gc.log} in the run's directory: a pause stops the ring's threads too, so a tail is read beside it.
     */
    List<String> hubJvmOptions(Path work) {
        List<String> jvm = new ArrayList<>();
        if (!options.hubHeap().equals("default")) {
            jvm.add("-Xmx" + options.hubHeap());
        }
        jvm.add("-Xlog:gc:file=" + work.resolve("hub-gc.log") + ":uptime,tags");
        jvm.addAll(aotJvmOptions);
        // For experiments with the hub's collector (docs/benchmarks.md says which were tried); the run's settings
        // line in results.md names them.
        String extra = System.getenv("BENCH_HUB_JVM_OPTIONS");
        if (extra != null && !extra.isBlank()) {
            jvm.addAll(List.of(extra.trim().split("\\s+")));
        }
        return jvm;
    }

    /**
     * The hub's jar as this run starts it, after the training run that records its ahead-of-time cache when
     * {@code --aot=on} (the default) and the JDK has one; said in the results' notes either way.
     */
    private Path hubAsRun(Path work) throws Exception {
        Path execJar = options.hubJar().toAbsolutePath();
        if (options.aot().startsWith("record:")) {
            aotJvmOptions = HubAot.recordInto(Path.of(options.aot().substring("record:".length())));
            return execJar;
        }
        if (options.aot().equals("off")) {
            notes.add("The hub started cold (--aot=off): its exec jar, no ahead-of-time cache.");
            return execJar;
        }
        if (!HubAot.supported()) {
            notes.add("The hub started cold: an ahead-of-time cache needs JDK " + HubAot.FIRST_JDK + " or newer.");
            return execJar;
        }
        long t0 = System.nanoTime();
        Path jar = HubAot.extract(javaBin, execJar, work.resolve("hub-app"));
        Path cache = work.resolve("hub.aot");
        new Bench(options.training(work.resolve("aot-training"), jar, cache)).run();
        if (!HubAot.written(cache)) {
            notes.add("The training run wrote no ahead-of-time cache (work/aot-training/work/hub.log says why): the"
                    + " hub started cold.");
            return execJar;
        }
        aotJvmOptions = HubAot.use(cache);
        notes.add(String.format(
                Locale.ROOT,
                "The hub ran as on JDK %d and newer (docs/operations.md): its jar extracted, with an ahead-of-time cache"
                        + " (%d MiB) recorded by a training run of %s at a small scale against a hub"
                        + " of its own (%.0f s, not measured; work/aot-training). --aot=off starts it cold.",
                HubAot.FIRST_JDK,
                Files.size(cache) >> 20,
                options.aotTraining().equals(options.scenarios())
                        ? "the same scenarios"
                        : "the " + String.join(", ", options.aotTraining()) + " scenario(s) only",
                (System.nanoTime() - t0) / 1e9));
        return jar;
    }

    private Run loadGen(Path work, Map<String, String> args, Supplier<Servers.Sample> sampler, String name)
            throws Exception {
        return loadGen(work, args, sampler, null, null, name);
    }

    /** Work the runner does at a wait of the load generator, before it samples the server and answers. */
    interface AtWait {
        void at(String wait) throws Exception;
    }

    /**
     * @param liveHeap for a JVM server: forces a full GC and returns the heap still in use, taken at the baseline
     *     (before its RSS sample, so that sample is not inflated by start-up garbage) and once all are connected
     *     (after its RSS sample, so that one is as the server left it)
     */
    Run loadGen(
            Path work,
            Map<String, String> args,
            Supplier<Servers.Sample> sampler,
            java.util.function.LongSupplier liveHeap,
            AtWait atWait,
            String name)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                javaBin,
                "-Xmx4g",
                "-XX:+UseParallelGC",
                // Its pauses are inside every latency it measures: logged beside the hub's.
                "-Xlog:gc:file=" + work.resolve(name + "-gc.log") + ":uptime,tags",
                "-cp",
                System.getProperty("java.class.path"),
                LoadGenMain.class.getName()));
        if ("ring".equals(args.get("scenario"))) {
            // A young generation that outlasts a measured series once emptied before it (LoadGenMain). Not for live:
            // its generator allocates ~100 MiB/s, and through a 2 GiB young generation instead of the one the JVM
            // sizes itself, both relays' device send → viewer p99 rose from ~3 to 6 – 11 ms (session 19).
            command.add(command.indexOf("-XX:+UseParallelGC") + 1, "-Xmn2g");
        }
        args.forEach((k, v) -> command.add(k + "=" + v));
        Process process = new ProcessBuilder(command)
                .redirectError(work.resolve(name + ".err").toFile())
                .start();
        Map<String, String> results = new LinkedHashMap<>();
        Map<String, Servers.Sample> samples = new LinkedHashMap<>();
        Map<String, Long> heaps = new LinkedHashMap<>();
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
                    if (atWait != null) {
                        atWait.at(wait);
                    }
                    if (wait.equals("connected") || wait.equals("baseline")) {
                        Thread.sleep(wait.equals("baseline") ? 1_000 : 3_000); // let the server settle
                    }
                    if (liveHeap != null && wait.endsWith("presses-start")) {
                        // The fleet connected seconds ago; a hub's links are normally hours old and tenured. Without
                        // this the first young collections of the measurement copy 10 000 links' state (30-70 ms
                        // pauses every 2 s, measured) and set the ring's p99. A full GC promotes them, as uptime would.
                        heaps.put(wait, liveHeap.getAsLong());
                        Thread.sleep(1_000);
                    }
                    if (liveHeap != null && wait.equals("baseline")) {
                        heaps.put(wait, liveHeap.getAsLong());
                    }
                    samples.put(wait, sampler.get());
                    if (liveHeap != null && wait.equals("connected")) {
                        heaps.put(wait, liveHeap.getAsLong());
                    }
                    // With this process's clock: the load generator checks it reads the same one.
                    to.write("go " + System.nanoTime() + "\n");
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
        return new Run(results, samples, heaps);
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
        add(
                s,
                "server Java heap in use per idle connection (after a full GC)",
                "KiB",
                d,
                m,
                r -> {
                    Double n = r.num("connect.connected");
                    Long before = r.liveHeap("baseline");
                    Long after = r.liveHeap("connected");
                    return n == null || n == 0 || before == null || after == null || before < 0 || after < 0
                            ? null
                            : (after - before) / 1024.0 / n;
                },
                "");
        add(s, "reconnect storm: devices back", "count", d, m, r -> r.num("storm.connected"), "N");
        add(s, "reconnect storm: time until all back", "s", d, m, r -> r.num("storm.seconds"), "≤ 10 at 10 000");
        add(s, "reconnect storm: full handshakes", "hs/s", d, m, r -> r.num("storm.perSecond"), "≥ 1000");
        add(s, "reconnect storm: resumed sessions (none: all full)", "count", d, m, r -> r.num("storm.resumed"), "0");
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
        add(s, "storm with resumed TLS sessions: devices back", "count", d, m, r -> r.num("resume.connected"), "N");
        add(
                s,
                "storm with resumed TLS sessions: of them resumed (no certificate sent)",
                "count",
                d,
                m,
                r -> r.num("resume.resumed"),
                "");
        add(
                s,
                "storm with resumed TLS sessions: time until all back",
                "s",
                d,
                m,
                r -> r.num("resume.seconds"),
                "≤ 10 at 10 000");
        add(s, "storm with resumed TLS sessions: reconnections", "conn/s", d, m, r -> r.num("resume.perSecond"), "");
        add(
                s,
                "storm with resumed TLS sessions: server CPU per connection",
                "ms",
                d,
                m,
                r -> {
                    Double n = r.num("resume.connected");
                    Servers.Sample a = r.sample("resume-start");
                    Servers.Sample b = r.sample("resume-end");
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
                r -> cpuPercent(r, "presses-start", "presses-end"),
                "");
        add(
                s,
                "of which the JIT compiler threads",
                "% of a core",
                d,
                m,
                r -> percentOfACore(r, "presses-start", "presses-end", Servers.Sample::compilerCpuSeconds),
                "");
        add(
                s,
                "the kernel's memory monitor (kdamond) during presses",
                "% of a core",
                d,
                m,
                r -> percentOfACore(r, "presses-start", "presses-end", Servers.Sample::kernelMonitorCpuSeconds),
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

    /**
     * The push half of the ring scenario: every push the stand-in accepted is opened with its browser's keys (RFC
     * 8291: what the service worker would read) and matched by event id to its press; latency = arrival at the
     * push service (its request handling began) minus the press, both on this machine's monotonic clock. Beside
     * it the in-app ring of the same presses, with push on, against the push-off presses before.
     */
    private void pushRows(Run d, Map<String, PushServiceStandIn.Subscription> subscriptions, Path pressFile)
            throws IOException {
        String s = "ring";
        Map<String, Long> pressed = new LinkedHashMap<>();
        if (Files.exists(pressFile)) {
            for (String line : Files.readAllLines(pressFile)) {
                String[] words = line.split(" ");
                if (words.length == 2) {
                    pressed.put(words[0], Long.parseLong(words[1]));
                }
            }
        }
        Stats.Samples latencies = new Stats.Samples();
        int unreadable = 0;
        int refused = 0;
        for (PushServiceStandIn.Received r : pushService.received()) {
            PushServiceStandIn.Subscription sub = subscriptions.get(r.channelId());
            if (sub == null) {
                continue;
            }
            if (r.answer() != 201) {
                refused++;
                continue;
            }
            String eventId;
            try {
                eventId = LoadGen.eventIdIn(sub.open(r));
            } catch (RuntimeException e) {
                unreadable++;
                continue;
            }
            Long at = eventId == null ? null : pressed.get(eventId);
            if (at != null) {
                latencies.add(r.nanoTime() - at);
            }
        }
        Stats push = latencies.stats();
        rows.add(new Row(
                s, "push subscriptions (the owner's browsers)", "count", (double) subscriptions.size(), null, ""));
        rows.add(new Row(
                s,
                "pushes expected (presses × subscriptions)",
                "count",
                (double) pressed.size() * subscriptions.size(),
                null,
                ""));
        rows.add(new Row(
                s,
                "pushes at the push service, opened with the browser's keys",
                "count",
                (double) push.count(),
                null,
                "= expected"));
        rows.add(new Row(s, "press → push request at the push service p50", "ms", push.p50Ms(), null, ""));
        rows.add(new Row(s, "press → push request at the push service p99", "ms", push.p99Ms(), null, ""));
        rows.add(new Row(s, "press → push request at the push service max", "ms", push.maxMs(), null, ""));
        rows.add(new Row(s, "rings received with push on", "count", d.num("ringPush.received"), null, "= expected"));
        rows.add(new Row(s, "press → ring p50 with push on", "ms", d.num("ringPush.p50Ms"), null, "≤ 1"));
        rows.add(new Row(s, "press → ring p99 with push on", "ms", d.num("ringPush.p99Ms"), null, "≤ 5"));
        rows.add(new Row(s, "press → ring max with push on", "ms", d.num("ringPush.maxMs"), null, ""));
        rows.add(new Row(
                s, "press → ring p99 with push off again, after", "ms", d.num("ringOffAgain.p99Ms"), null, "≤ 5"));
        rows.add(new Row(
                s,
                "press → ring p99 with push off, before and after pooled",
                "ms",
                d.num("ringOffPooled.p99Ms"),
                null,
                "≤ 5"));
        Double on = d.num("ringPush.p99Ms");
        Double off = d.num("ringOffPooled.p99Ms");
        rows.add(new Row(
                s,
                "press → ring p99, push on ÷ push off before and after (same run)",
                "×",
                on == null || off == null || off == 0 ? null : on / off,
                null,
                "≤ 1.10"));
        if (unreadable > 0 || refused > 0) {
            notes.add(String.format(
                    Locale.ROOT,
                    "ring / push: %d push(es) the browser's keys could not open, %d refused by the stand-in",
                    unreadable,
                    refused));
        }
        Double skew = d.num("push.clockSkewMs");
        if (skew == null || Math.abs(skew) > 50) {
            notes.add("ring / push: the load generator and the runner may not share a monotonic clock (skew " + skew
                    + " ms): press → push figures are not comparable");
        }
    }

    private void awaitPushes(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pushService.received().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private void liveRows(Run d, Run n) {
        String s = "live";
        Live l = options.live();
        add(s, "doorbells streaming", "count", d, n, r -> r.num("live.devices"), "= " + l.devices());
        add(
                s,
                "viewers watching (first keyframe received)",
                "count",
                d,
                n,
                r -> r.num("live.viewers"),
                "= " + l.devices() * l.viewers());
        add(
                s,
                "member apps open before their taps (the app's stream; Doorward only)",
                "count",
                d,
                n,
                r -> r.num("live.apps"),
                "= " + l.accounts());
        add(
                s,
                "taps timed (the viewers, then probes that leave at their first keyframe)",
                "count",
                d,
                n,
                r -> r.num("live.taps"),
                "= " + (l.devices() * l.viewers() + l.probes()));
        add(
                s,
                "tap → first keyframe complete p50 (TCP + TLS + upgrade + watch)",
                "ms",
                d,
                n,
                r -> r.num("live.tapP50Ms"),
                "≤ 150 (to a decoded frame)");
        add(s, "tap → first keyframe complete p99", "ms", d, n, r -> r.num("live.tapP99Ms"), "");
        add(s, "watch → first keyframe part p50", "ms", d, n, r -> r.num("live.watchP50Ms"), "");
        add(s, "watch → first keyframe part p99", "ms", d, n, r -> r.num("live.watchP99Ms"), "");
        add(s, "  stage: TCP + TLS handshake p50", "ms", d, n, r -> r.num("live.handshakeP50Ms"), "");
        add(s, "  stage: TCP + TLS handshake p99", "ms", d, n, r -> r.num("live.handshakeP99Ms"), "");
        add(s, "  stage: upgrade round trip (admission) p50", "ms", d, n, r -> r.num("live.upgradeP50Ms"), "");
        add(s, "  stage: upgrade round trip (admission) p99", "ms", d, n, r -> r.num("live.upgradeP99Ms"), "");
        add(s, "  stage: upgraded → first keyframe complete p50", "ms", d, n, r -> r.num("live.openToFrameP50Ms"), "");
        add(s, "  stage: upgraded → first keyframe complete p99", "ms", d, n, r -> r.num("live.openToFrameP99Ms"), "");
        add(
                s,
                "frames expected in the window (frames sent × viewers)",
                "count",
                d,
                n,
                r -> r.num("live.framesExpected"),
                "");
        add(s, "frames delivered", "count", d, n, r -> r.num("live.framesDelivered"), "= expected");
        add(s, "relay throughput delivered", "frames/s", d, n, r -> r.num("live.framesPerSecond"), "");
        add(
                s,
                "relay throughput delivered",
                "Mbit/s",
                d,
                n,
                r -> r.num("live.bytesPerSecond") == null ? null : r.num("live.bytesPerSecond") * 8 / 1e6,
                "");
        add(s, "device send → viewer has the frame p50", "ms", d, n, r -> r.num("live.latencyP50Ms"), "");
        add(s, "device send → viewer has the frame p99", "ms", d, n, r -> r.num("live.latencyP99Ms"), "≤ 1 added");
        add(s, "device send → viewer has the frame max", "ms", d, n, r -> r.num("live.latencyMaxMs"), "");
        add(s, "device send → viewer has the frame mean", "ms", d, n, r -> r.num("live.latencyMeanMs"), "");
        add(s, "device send → viewer has the frame p99, video", "ms", d, n, r -> r.num("live.videoLatencyP99Ms"), "");
        add(s, "device send → viewer has the frame p99, audio", "ms", d, n, r -> r.num("live.audioLatencyP99Ms"), "");
        add(
                s,
                "server CPU during the window",
                "% of a core",
                d,
                n,
                r -> cpuPercent(r, "window-start", "window-end"),
                "");
        add(
                s,
                "relayed per server CPU-second",
                "Gbit",
                d,
                n,
                r -> {
                    Servers.Sample a = r.sample("window-start");
                    Servers.Sample b = r.sample("window-end");
                    Double bytesPerSecond = r.num("live.bytesPerSecond");
                    Double seconds = r.num("live.seconds");
                    if (a == null || b == null || bytesPerSecond == null || seconds == null) {
                        return null;
                    }
                    double cpu = b.cpuSeconds() - a.cpuSeconds();
                    return cpu <= 0 ? null : bytesPerSecond * seconds * 8 / 1e9 / cpu;
                },
                "≥ 1");
        add(
                s,
                "server memory during the window",
                "MiB",
                d,
                n,
                r -> r.sample("window-end") == null
                        ? null
                        : mib(r.sample("window-end").rssBytes()),
                "");
        add(s, "device messages refused by the server", "count", d, n, r -> r.num("live.deviceErrors"), "0");
        failures(s, "doorward", d);
        failures(s, "nginx", n);
    }

    private static Double cpuPercent(Run r, String from, String to) {
        return percentOfACore(r, from, to, Servers.Sample::cpuSeconds);
    }

    /** CPU seconds (of the process, or of some of its threads) spent between two waits, in % of a core. */
    private static Double percentOfACore(
            Run r, String from, String to, java.util.function.ToDoubleFunction<Servers.Sample> cpuSeconds) {
        Servers.Sample a = r.sample(from);
        Servers.Sample b = r.sample(to);
        return a == null || b == null
                ? null
                : (cpuSeconds.applyAsDouble(b) - cpuSeconds.applyAsDouble(a))
                        / ((b.nanoTime() - a.nanoTime()) / 1e9)
                        * 100;
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

    static Double mib(long bytes) {
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

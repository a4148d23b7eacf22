package dev.doorward.bench;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench/run --cluster=3}: the scenarios against three hub nodes behind HAProxy ({@link Cluster}), beside one
 * hub for the ring. Rows are "cluster …" scenarios; their reference column is the single hub's figure where there
 * is one. See docs/benchmarks.md, "Cluster".
 */
final class ClusterBench {
    /** Source addresses the doorbells behind HAProxy come from, taken in turn: "balance source" spreads them. */
    private static final int SPREAD_SOURCES = 30;

    private final Bench bench;
    private final Bench.Options options;
    private final List<Bench.Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    ClusterBench(Bench bench, Bench.Options options) {
        this.bench = bench;
        this.options = options;
    }

    Bench.Result run() throws Exception {
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path out = options.out().toAbsolutePath();
        Path work = out.resolve("work");
        Bench.deleteRecursively(work);
        Files.createDirectories(work);
        List<String> scenarios = options.scenarios();
        Bench.ClusterRun c = options.cluster();

        // The single hub beside the cluster: the existing ring scenario, push off as in the cluster's ring.
        Map<String, Double> single = new LinkedHashMap<>();
        if (scenarios.contains("ring") && c.single()) {
            Bench.Options one = new Bench.Options(
                    List.of("ring"),
                    options.devices(),
                    options.members(),
                    options.presses(),
                    options.rate(),
                    options.ringWarmUpSeconds(),
                    options.window(),
                    "off",
                    out.resolve("single"),
                    options.hubJar(),
                    options.hubHeap(),
                    options.loops(),
                    options.timeoutMillis(),
                    options.live(),
                    "off",
                    options.pushSubscriptions(),
                    new Bench.ClusterRun(0, 0, 0, false),
                    // As the cluster's nodes start: a cold JVM from the exec jar.
                    "off",
                    List.of());
            for (Bench.Row r : new Bench(one).run().rows()) {
                single.put(r.metric(), r.doorward());
            }
        }

        int fleetSize = 0;
        if (scenarios.contains("ring")) {
            fleetSize = Math.max(fleetSize, options.devices());
        }
        if (scenarios.contains("connect")) {
            fleetSize = Math.max(fleetSize, 3 * c.perNode());
        }
        if (scenarios.contains("storm")) {
            fleetSize = Math.max(fleetSize, c.stormDevices());
        }
        if (scenarios.contains("live")) {
            fleetSize = Math.max(fleetSize, options.live().devices());
        }
        CertificateAuthority manufacturer = Bench.manufacturerCa(work);
        CertificateAuthority hubCa = CertificateAuthority.create(
                CertificateKind.HUB_CA,
                "Doorward hub CA",
                Duration.ofDays(3650),
                Clock.systemUTC(),
                new SecureRandom());
        String settings;
        try (Cluster cluster = new Cluster(
                bench.javaBin,
                options.hubJar().toAbsolutePath(),
                work.resolve("cluster"),
                work.resolve("factory-ca/ca.crt"),
                hubCa,
                3,
                bench::hubJvmOptions,
                List.of())) {
            for (Cluster.Node n : cluster.nodes) {
                n.hub().external = cluster::database;
            }
            Servers.Hub first = cluster.nodes.get(0).hub();
            long t0 = System.nanoTime();
            String[] owner = first.createOwner();
            Fleet fleet = Fleet.mint(hubCa, fleetSize);
            fleet.save(work.resolve("fleet"));
            first.register(fleet, owner[1]);
            notes.add(String.format(
                    Locale.ROOT,
                    "cluster: fleet of %d devices minted and registered in %.1f s; nodes %s, HAProxy on 127.0.0.1"
                            + " (from %s), three NATS servers routed to each other (one beside each node, as deployed),"
                            + " the hub's standalone PostgreSQL; logs, GC logs and configurations in %s",
                    fleetSize,
                    (System.nanoTime() - t0) / 1e9,
                    String.join(
                            ", ",
                            cluster.nodes.stream()
                                    .map(n -> n.name() + " " + n.address())
                                    .toList()),
                    Cluster.PROXY_SOURCE,
                    cluster.dir));
            settings = String.format(
                    Locale.ROOT,
                    "cluster=3 scenarios=%s devices=%d members=%d presses=%d rate=%.0f/s per-node=%d storm-devices=%d"
                            + " hub-heap=%s (each node) loadgen-loops=%d",
                    String.join(",", scenarios),
                    options.devices(),
                    options.members(),
                    options.presses(),
                    options.rate(),
                    c.perNode(),
                    c.stormDevices(),
                    options.hubHeap(),
                    options.loops());
            // The storm kills a node: it comes last whatever the order asked.
            for (String scenario : List.of("ring", "live", "connect", "storm")) {
                if (!scenarios.contains(scenario)) {
                    continue;
                }
                switch (scenario) {
                    case "ring" -> ring(work, cluster, owner, single);
                    case "connect" -> connect(work, cluster);
                    case "storm" -> storm(work, cluster);
                    default -> live(work, cluster, owner);
                }
            }
        }
        return Report.write(out, started, settings, rows, notes, c.single() ? "a single hub (ring)" : null);
    }

    private Map<String, String> common(String scenario, Path work, int devices) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("scenario", scenario);
        a.put("target", "doorward");
        a.put("devices", Integer.toString(devices));
        a.put("window", Integer.toString(options.window()));
        a.put("loops", Integer.toString(options.loops()));
        a.put("fleet", work.resolve("fleet").toString());
        a.put("timeoutMillis", Long.toString(options.timeoutMillis()));
        return a;
    }

    private static String spreadSources() {
        List<String> s = new ArrayList<>();
        for (int i = 1; i <= SPREAD_SOURCES; i++) {
            s.add("127.0.1." + i);
        }
        return String.join(",", s);
    }

    /** CPU summed over the live nodes, RSS summed: what the cluster costs, as one figure. */
    private static Servers.Sample summed(Cluster cluster) {
        double cpu = 0;
        long rss = 0;
        for (Cluster.Node n : cluster.nodes) {
            if (n.hub().process.isAlive()) {
                Servers.Sample s = Servers.Sample.of(n.hub().pid());
                cpu += s.cpuSeconds();
                rss += s.rssBytes();
            }
        }
        return new Servers.Sample(System.nanoTime(), cpu, rss);
    }

    /**
     * Doorbells through HAProxy (spread over the nodes by their source addresses), the members' streams straight to
     * node-b: a ring from a doorbell on node-a or node-c crosses NATS; the share that does is in the table.
     */
    private void ring(Path work, Cluster cluster, String[] owner, Map<String, Double> single) throws Exception {
        Cluster.Node memberNode = cluster.nodes.get(1);
        Map<String, String> a = common("ring", work, options.devices());
        a.put("members", Integer.toString(options.members()));
        a.put("presses", Integer.toString(options.presses()));
        a.put("rate", Double.toString(options.rate()));
        a.put("host", "127.0.0.1");
        a.put("port", Integer.toString(cluster.devicePort));
        a.put("browserPort", Integer.toString(cluster.browserPort));
        a.put("streamPort", Integer.toString(cluster.livePort));
        a.put("memberHost", memberNode.address());
        a.put("cookie", owner[0]);
        a.put("local", spreadSources());
        a.put("sourcesInTurn", "true");
        List<List<Integer>> links = new ArrayList<>();
        Bench.Run r = bench.loadGen(
                work,
                a,
                () -> summed(cluster),
                null,
                wait -> {
                    if (wait.equals("presses-start")) {
                        links.add(cluster.linksPerNode());
                    }
                },
                "cluster-ring");
        String s = "cluster ring";
        List<Integer> perNode = links.isEmpty() ? List.of() : links.get(0);
        for (int i = 0; i < perNode.size(); i++) {
            rows.add(row(
                    s,
                    cluster.nodes.get(i).name() + ": doorbells linked (through HAProxy)",
                    "count",
                    (double) perNode.get(i),
                    null,
                    ""));
        }
        double total = perNode.stream().mapToInt(Integer::intValue).sum();
        double crossing = total - (perNode.size() > 1 ? perNode.get(1) : 0);
        rows.add(row(
                s,
                "doorbells on another node than the members' streams (" + memberNode.name() + ")",
                "%",
                total == 0 ? null : crossing / total * 100,
                null,
                ""));
        rows.add(row(
                s,
                "member sessions listening",
                "count",
                r.num("members.open"),
                single.get("member sessions listening"),
                "= " + options.members()));
        rows.add(row(
                s,
                "rings expected (presses × sessions)",
                "count",
                r.num("ring.expected"),
                single.get("rings expected (presses × sessions)"),
                ""));
        rows.add(row(s, "rings received", "count", r.num("ring.received"), single.get("rings received"), "= expected"));
        for (String m : List.of("p50", "p99", "max")) {
            rows.add(row(s, "press → ring " + m, "ms", r.num("ring." + m + "Ms"), single.get("press → ring " + m), ""));
        }
        Servers.Sample from = r.sample("presses-start");
        Servers.Sample to = r.sample("presses-end");
        Double presses = r.num("ring.presses");
        rows.add(row(
                s,
                "hub CPU during presses, summed over the nodes",
                "% of a core",
                from == null || to == null
                        ? null
                        : (to.cpuSeconds() - from.cpuSeconds()) / ((to.nanoTime() - from.nanoTime()) / 1e9) * 100,
                single.get("server CPU during presses"),
                ""));
        rows.add(row(
                s,
                "hub CPU per press, summed over the nodes",
                "ms",
                from == null || to == null || presses == null || presses == 0
                        ? null
                        : (to.cpuSeconds() - from.cpuSeconds()) * 1000 / presses,
                null,
                ""));
        rows.add(row(
                s,
                "device messages refused",
                "count",
                r.num("ring.deviceErrors"),
                single.get("device messages refused by the server"),
                "0"));
        failures(s, r);
    }

    /**
     * Doorbells straight to node-a, viewers straight to node-b (every frame crosses NATS), then the same with the
     * viewers on node-a beside them: the second column is the same-node figure.
     */
    private void live(Path work, Cluster cluster, String[] owner) throws Exception {
        Bench.Live l = options.live();
        Servers.Hub first = cluster.nodes.get(0).hub();
        Path cookies = work.resolve("viewer-cookies.txt");
        Files.write(cookies, first.createMembers(l.accounts(), owner[1]));
        Map<String, Bench.Run> runs = new LinkedHashMap<>();
        for (int viewerNode : new int[] {1, 0}) {
            Map<String, String> a = common("live", work, l.devices());
            a.put("viewers", Integer.toString(l.viewers()));
            a.put("seconds", Double.toString(l.seconds()));
            a.put("openRate", Double.toString(l.openRate()));
            a.put("fps", Double.toString(l.fps()));
            a.put("gop", Integer.toString(l.gop()));
            a.put("keyframeBytes", Integer.toString(l.keyframeBytes()));
            a.put("frameBytes", Integer.toString(l.frameBytes()));
            a.put("audioRate", Double.toString(l.audioRate()));
            a.put("audioBytes", Integer.toString(l.audioBytes()));
            a.put("host", cluster.nodes.get(0).address());
            a.put("port", Integer.toString(cluster.devicePort));
            a.put("viewerPort", Integer.toString(cluster.livePort));
            a.put("pagePort", Integer.toString(cluster.browserPort));
            a.put("viewerHost", cluster.nodes.get(viewerNode).address());
            a.put("cookies", cookies.toString());
            a.put("viewersPerAccount", Integer.toString(Bench.Live.VIEWERS_PER_ACCOUNT));
            String name = cluster.nodes.get(viewerNode).name();
            runs.put(name, bench.loadGen(work, a, () -> summed(cluster), null, null, "cluster-live-viewers-" + name));
        }
        Bench.Run cross = runs.get(cluster.nodes.get(1).name());
        Bench.Run same = runs.get(cluster.nodes.get(0).name());
        String s = "cluster live";
        rows.add(row(
                s,
                "doorbells streaming (on node-a)",
                "count",
                cross.num("live.devices"),
                same.num("live.devices"),
                "= " + l.devices()));
        rows.add(row(
                s,
                "viewers watching (node-b; beside: node-a)",
                "count",
                cross.num("live.viewers"),
                same.num("live.viewers"),
                "= " + l.devices() * l.viewers()));
        for (String[] m : new String[][] {
            {"tap → first keyframe complete p50", "live.tapP50Ms"},
            {"tap → first keyframe complete p99", "live.tapP99Ms"},
            {"device send → viewer has the frame p50", "live.latencyP50Ms"},
            {"device send → viewer has the frame p99", "live.latencyP99Ms"},
            {"device send → viewer has the frame max", "live.latencyMaxMs"}
        }) {
            rows.add(row(s, m[0], "ms", cross.num(m[1]), same.num(m[1]), ""));
        }
        rows.add(row(
                s,
                "frames expected in the window",
                "count",
                cross.num("live.framesExpected"),
                same.num("live.framesExpected"),
                ""));
        rows.add(row(
                s,
                "frames delivered",
                "count",
                cross.num("live.framesDelivered"),
                same.num("live.framesDelivered"),
                "= expected"));
        rows.add(row(
                s,
                "hub CPU during the window, summed over the nodes",
                "% of a core",
                cpuPercent(cross, "window-start", "window-end"),
                cpuPercent(same, "window-start", "window-end"),
                ""));
        failures(s + " / viewers on node-b", cross);
        failures(s + " / viewers on node-a", same);
    }

    private static Double cpuPercent(Bench.Run r, String from, String to) {
        Servers.Sample a = r.sample(from);
        Servers.Sample b = r.sample(to);
        return a == null || b == null
                ? null
                : (b.cpuSeconds() - a.cpuSeconds()) / ((b.nanoTime() - a.nanoTime()) / 1e9) * 100;
    }

    /**
     * {@code per-node} doorbells on each node at once, from three load generator processes (one per node, straight
     * to its device port, each from source addresses of its own): links, RSS and heap after a full GC per node.
     */
    private void connect(Path work, Cluster cluster) throws Exception {
        int n = options.cluster().perNode();
        List<Future<Bench.Run>> runs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(cluster.nodes.size());
        try {
            for (int i = 0; i < cluster.nodes.size(); i++) {
                Cluster.Node node = cluster.nodes.get(i);
                Map<String, String> a = common("hold", work, n);
                // The window is the whole run's: three load generators at once, a third each (each node has a third
                // of the machine; at the full window 768 handshakes in flight outran the nodes' 10 s upgrade timeout).
                a.put("window", Integer.toString(Math.max(1, options.window() / cluster.nodes.size())));
                a.put("host", node.address());
                a.put("port", Integer.toString(cluster.devicePort));
                a.put("offset", Integer.toString(i * n));
                List<String> locals = new ArrayList<>();
                for (int j = 0; j <= (n - 1) / LoadGen.DEVICES_PER_SOURCE_ADDRESS; j++) {
                    locals.add("127.0." + (10 + i) + "." + (j + 1));
                }
                a.put("local", String.join(",", locals));
                runs.add(pool.submit(() -> bench.loadGen(
                        work,
                        a,
                        () -> Servers.Sample.of(node.hub().pid()),
                        node.hub()::liveHeapBytes,
                        null,
                        "cluster-connect-" + node.name())));
            }
            String s = "cluster connect";
            for (int i = 0; i < runs.size(); i++) {
                Bench.Run r = runs.get(i).get();
                String name = cluster.nodes.get(i).name();
                Double connected = r.num("connect.connected");
                rows.add(row(s, name + ": doorbells linked", "count", connected, null, "= " + n));
                rows.add(row(s, name + ": connect rate", "conn/s", r.num("connect.perSecond"), null, ""));
                Servers.Sample before = r.sample("baseline");
                Servers.Sample after = r.sample("connected");
                rows.add(row(
                        s,
                        name + ": RSS with all linked",
                        "MiB",
                        after == null ? null : Bench.mib(after.rssBytes()),
                        null,
                        ""));
                rows.add(row(
                        s,
                        name + ": RSS per link",
                        "KiB",
                        before == null || after == null || connected == null || connected == 0
                                ? null
                                : (after.rssBytes() - before.rssBytes()) / 1024.0 / connected,
                        null,
                        "≤ 21"));
                Long heapBefore = r.liveHeap("baseline");
                Long heapAfter = r.liveHeap("connected");
                rows.add(row(
                        s,
                        name + ": Java heap after a full GC, all linked",
                        "MiB",
                        heapAfter == null || heapAfter < 0 ? null : Bench.mib(heapAfter),
                        null,
                        ""));
                rows.add(row(
                        s,
                        name + ": Java heap per link (after a full GC)",
                        "KiB",
                        heapBefore == null
                                        || heapAfter == null
                                        || heapBefore < 0
                                        || heapAfter < 0
                                        || connected == null
                                        || connected == 0
                                ? null
                                : (heapAfter - heapBefore) / 1024.0 / connected,
                        null,
                        ""));
                failures(s + " / " + name, r);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * {@code storm-devices} doorbells through HAProxy; at the load generator's "kill" wait the node holding the most
     * of them is killed (SIGKILL); the load generator reconnects each doorbell whose link closed, through HAProxy,
     * at once (window as --window) and reports when the last was linked again, counted from the kill.
     */
    private void storm(Path work, Cluster cluster) throws Exception {
        int devices = options.cluster().stormDevices();
        Map<String, String> a = common("storm", work, devices);
        a.put("host", "127.0.0.1");
        a.put("port", Integer.toString(cluster.devicePort));
        a.put("local", spreadSources());
        a.put("sourcesInTurn", "true");
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        String[] killed = new String[1];
        Bench.Run r = bench.loadGen(
                work,
                a,
                () -> summed(cluster),
                null,
                wait -> {
                    if (wait.equals("kill")) {
                        before.addAll(cluster.linksPerNode());
                        int victim = 0;
                        for (int i = 1; i < before.size(); i++) {
                            if (before.get(i) > before.get(victim)) {
                                victim = i;
                            }
                        }
                        killed[0] = cluster.nodes.get(victim).name();
                        cluster.kill(cluster.nodes.get(victim));
                    } else if (wait.equals("storm-end")) {
                        after.addAll(cluster.linksPerNode());
                    }
                },
                "cluster-storm");
        String s = "cluster storm";
        rows.add(row(s, "doorbells linked through HAProxy", "count", r.num("connect.connected"), null, "= " + devices));
        for (int i = 0; i < before.size(); i++) {
            rows.add(row(
                    s,
                    cluster.nodes.get(i).name() + ": links before the kill",
                    "count",
                    (double) before.get(i),
                    null,
                    ""));
        }
        rows.add(row(
                s, "links dropped by the kill (of " + killed[0] + ")", "count", r.num("nodeStorm.dropped"), null, ""));
        rows.add(row(s, "kill → all linked again", "s", r.num("nodeStorm.seconds"), null, ""));
        rows.add(row(s, "reconnections", "hs/s", r.num("nodeStorm.perSecond"), null, ""));
        rows.add(row(s, "reconnect handshake p50", "ms", r.num("nodeStorm.handshakeP50Ms"), null, ""));
        rows.add(row(s, "reconnect handshake p99", "ms", r.num("nodeStorm.handshakeP99Ms"), null, ""));
        rows.add(row(s, "attempts retried (refused or failed)", "count", r.num("nodeStorm.retries"), null, ""));
        rows.add(row(
                s, "doorbells linked at the end", "count", r.num("nodeStorm.stillConnected"), null, "= " + devices));
        for (int i = 0; i < after.size(); i++) {
            rows.add(row(
                    s,
                    cluster.nodes.get(i).name() + ": links after the storm",
                    "count",
                    (double) after.get(i),
                    null,
                    ""));
        }
        failures(s, r);
    }

    private static Bench.Row row(
            String scenario, String metric, String unit, Double cluster, Double single, String target) {
        return new Bench.Row(scenario, metric, unit, cluster, single, target);
    }

    private void failures(String scenario, Bench.Run r) {
        r.results().forEach((k, v) -> {
            if (k.endsWith(".failures") && !v.equals("{}")) {
                notes.add(scenario + " / " + k + ": " + v);
            }
        });
    }
}

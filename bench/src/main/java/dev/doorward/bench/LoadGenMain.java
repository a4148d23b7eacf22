package dev.doorward.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load generator as its own process. Arguments are key=value. It talks to the runner on stdout with
 * lines starting with '@': "@result key value" and "@wait name" — after a wait it blocks until the runner
 * (which samples the server's CPU and memory at that moment) answers a line on stdin.
 */
public final class LoadGenMain {
    private static final BufferedReader IN =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String scenario = a.get("scenario");
        int devices = Integer.parseInt(a.get("devices"));
        int members = Integer.parseInt(a.getOrDefault("members", "0"));
        int window = Integer.parseInt(a.getOrDefault("window", "256"));
        long timeout = Long.parseLong(a.getOrDefault("timeoutMillis", "120000"));
        Fleet fleet = Fleet.load(Path.of(a.get("fleet")));
        int offset = Integer.parseInt(a.getOrDefault("offset", "0"));
        if (offset > 0) {
            // Cluster connect: each load generator holds its own slice of the fleet (one process, one node).
            fleet = new Fleet(
                    fleet.key(),
                    fleet.hubCa(),
                    fleet.ids().subList(offset, fleet.size()),
                    fleet.certificates().subList(offset, fleet.size()));
        }
        if (scenario.equals("live")) {
            live(a, fleet, devices, timeout);
            System.out.println("@done");
            System.out.flush();
            System.exit(0);
        }
        List<String> locals = a.getOrDefault("local", "").isBlank()
                ? List.of()
                : Arrays.asList(a.get("local").split(","));
        LoadGen.Target target = LoadGen.Target.valueOf(a.get("target").toUpperCase(Locale.ROOT));
        LoadGen.Config config = new LoadGen.Config(
                target,
                a.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(a.get("port")),
                Integer.parseInt(a.getOrDefault("browserPort", "0")),
                Integer.parseInt(a.getOrDefault("streamPort", a.getOrDefault("browserPort", "0"))),
                a.getOrDefault("cookie", ""),
                locals,
                Integer.parseInt(a.getOrDefault("loops", "2")),
                Integer.parseInt(a.getOrDefault("heartbeatSeconds", "30")));
        try (LoadGen gen = new LoadGen(config, fleet, devices, members)) {
            if (a.containsKey("memberHost")) {
                gen.membersOn(a.get("memberHost"));
            }
            if (a.getOrDefault("sourcesInTurn", "false").equals("true")) {
                gen.sourcesInTurn();
            }
            waitFor("baseline");
            LoadGen.ConnectResult connect = gen.connectDevices(devices, window, timeout);
            report("connect", connect);
            switch (scenario) {
                case "hold" -> {
                    // Cluster connect: hold the links while the runner measures the node, then leave.
                    waitFor("connected");
                    result("hold.stillConnected", gen.readyDevices());
                }
                case "storm" -> {
                    // Cluster storm: the runner kills a node at this wait and answers with the moment it did.
                    String go = waitFor("kill");
                    String[] words = go.split(" ");
                    long killedAt = words.length == 2 ? Long.parseLong(words[1]) : System.nanoTime();
                    LoadGen.StormResult storm = gen.reconnectDropped(killedAt, window, timeout);
                    result("nodeStorm.dropped", storm.dropped());
                    result("nodeStorm.reconnected", storm.reconnected());
                    result("nodeStorm.retries", storm.retries());
                    result(
                            "nodeStorm.seconds",
                            storm.killToAllBackNanos() < 0 ? "NaN" : storm.killToAllBackNanos() / 1e9);
                    result(
                            "nodeStorm.perSecond",
                            storm.firstToLastNanos() <= 0
                                    ? "NaN"
                                    : storm.reconnected() / (storm.firstToLastNanos() / 1e9));
                    result("nodeStorm.handshakeP50Ms", storm.handshake().p50Ms());
                    result("nodeStorm.handshakeP99Ms", storm.handshake().p99Ms());
                    result("nodeStorm.stillConnected", gen.readyDevices());
                    waitFor("storm-end");
                }
                case "connect" -> {
                    waitFor("connected");
                    waitFor("storm-start");
                    gen.dropAllDevices();
                    // Full handshakes; each device keeps the session it gets, for the storm after.
                    gen.keepSessions();
                    LoadGen.ConnectResult storm = gen.connectDevices(devices, window, timeout);
                    report("storm", storm);
                    waitFor("storm-end");
                    waitFor("resume-start");
                    gen.dropAllDevices();
                    LoadGen.ConnectResult resumed = gen.connectDevices(devices, window, timeout);
                    report("resume", resumed);
                    waitFor("resume-end");
                }
                case "ring" -> {
                    int open = gen.openMembers(30_000);
                    result("members.open", open);
                    int presses = Integer.parseInt(a.getOrDefault("presses", "1000"));
                    double rate = Double.parseDouble(a.getOrDefault("rate", "50"));
                    int warmUp = warmUpPresses(rate, Double.parseDouble(a.getOrDefault("warmUpSeconds", "3")));
                    gen.ring(warmUp, rate, 10_000);
                    collectOwnGarbage();
                    waitFor("presses-start");
                    LoadGen.RingResult ring = gen.ring(presses, rate, 20_000);
                    waitFor("presses-end");
                    if (a.containsKey("timeline")) {
                        ring.writeTimeline(Path.of(a.get("timeline")));
                    }
                    result("ring.presses", ring.presses());
                    result("ring.sessions", ring.sessions());
                    result("ring.expected", ring.expected());
                    result("ring.received", ring.received());
                    result("ring.p50Ms", ring.latency().p50Ms());
                    result("ring.p99Ms", ring.latency().p99Ms());
                    result("ring.maxMs", ring.latency().maxMs());
                    result("ring.meanMs", ring.latency().meanMs());
                    result("ring.deviceErrors", ring.deviceErrors());
                    result("ring.seconds", ring.elapsedNanos() / 1e9);
                    result("ring.stillConnected", gen.readyDevices());
                    if (a.containsKey("pushPresses")) {
                        // The same presses again once the members' browsers have push subscriptions (the
                        // runner subscribes them at this wait): the in-app ring with push on, side by side.
                        waitFor("push-subscribe");
                        gen.ring(warmUp, rate, 10_000);
                        collectOwnGarbage();
                        String go = waitFor("push-presses-start");
                        // The runner's push-service stand-in stamps arrivals with its own System.nanoTime():
                        // the same clock on Linux (CLOCK_MONOTONIC); checked here, off by the pipe's latency.
                        String[] words = go.split(" ");
                        if (words.length == 2) {
                            result("push.clockSkewMs", (System.nanoTime() - Long.parseLong(words[1])) / 1e6);
                        }
                        long from = System.nanoTime();
                        LoadGen.RingResult pushed = gen.ring(presses, rate, 20_000);
                        waitFor("push-presses-end");
                        gen.writePresses(Path.of(a.get("pushPresses")), from);
                        result("ringPush.expected", pushed.expected());
                        result("ringPush.received", pushed.received());
                        result("ringPush.p50Ms", pushed.latency().p50Ms());
                        result("ringPush.p99Ms", pushed.latency().p99Ms());
                        result("ringPush.maxMs", pushed.latency().maxMs());
                        result("ringPush.meanMs", pushed.latency().meanMs());
                        result("ringPush.deviceErrors", pushed.deviceErrors());
                        // Push off once more (the runner deletes the subscriptions): off, on, off, so that what
                        // drifts during a run (the JIT, the heap) weighs on both sides of the comparison alike.
                        waitFor("push-unsubscribe");
                        gen.ring(warmUp, rate, 10_000);
                        collectOwnGarbage();
                        waitFor("off-again-presses-start");
                        LoadGen.RingResult again = gen.ring(presses, rate, 20_000);
                        waitFor("off-again-presses-end");
                        result("ringOffAgain.received", again.received());
                        result("ringOffAgain.p99Ms", again.latency().p99Ms());
                        Stats pooled = ring.samples().with(again.samples()).stats();
                        result("ringOffPooled.p50Ms", pooled.p50Ms());
                        result("ringOffPooled.p99Ms", pooled.p99Ms());
                    }
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
        System.out.println("@done");
        System.out.flush();
        System.exit(0);
    }

    /** The live scenario: doorbells stream, viewers join one by one, then a measurement window. */
    private static void live(Map<String, String> a, Fleet fleet, int devices, long timeout) throws Exception {
        LiveGen.Target target = a.get("target").equals("doorward") ? LiveGen.Target.DOORWARD : LiveGen.Target.NCHAN;
        List<String> cookies = a.containsKey("cookies")
                ? Files.readAllLines(Path.of(a.get("cookies"))).stream()
                        .filter(l -> !l.isBlank())
                        .toList()
                : List.of();
        LiveGen.Media media = new LiveGen.Media(
                Double.parseDouble(a.getOrDefault("fps", "10")),
                Integer.parseInt(a.getOrDefault("gop", "20")),
                Integer.parseInt(a.getOrDefault("keyframeBytes", "15000")),
                Integer.parseInt(a.getOrDefault("frameBytes", "4000")),
                Double.parseDouble(a.getOrDefault("audioRate", "50")),
                Integer.parseInt(a.getOrDefault("audioBytes", "700")));
        LiveGen.Config config = new LiveGen.Config(
                target,
                a.getOrDefault("host", "127.0.0.1"),
                Integer.parseInt(a.get("port")),
                Integer.parseInt(a.get("viewerPort")),
                Integer.parseInt(a.getOrDefault("pagePort", a.get("viewerPort"))),
                cookies,
                Integer.parseInt(a.getOrDefault("viewersPerAccount", "25")),
                Integer.parseInt(a.getOrDefault("loops", "2")),
                media);
        int viewers = Integer.parseInt(a.getOrDefault("viewers", "5"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "30"));
        try (LiveGen gen = new LiveGen(config, fleet, devices, viewers)) {
            if (a.containsKey("viewerHost")) {
                gen.viewersOn(a.get("viewerHost"));
            }
            waitFor("baseline");
            int connected = gen.connectDevices(timeout);
            result("connect.connected", connected);
            result("live.devices", connected);
            gen.startStreaming();
            result("live.apps", gen.openApps(timeout));
            Thread.sleep(1_000); // a first GOP exists before anyone watches
            LiveGen.TapResult tap = gen.openViewers(
                    Double.parseDouble(a.getOrDefault("openRate", "10")),
                    Integer.parseInt(a.getOrDefault("probes", "0")),
                    timeout);
            result("live.viewersOpened", tap.viewers());
            result("live.taps", tap.taps());
            result("live.viewers", tap.open());
            result("live.tapP50Ms", tap.tapToFrame().p50Ms());
            result("live.tapP99Ms", tap.tapToFrame().p99Ms());
            result("live.tapMaxMs", tap.tapToFrame().maxMs());
            result("live.watchP50Ms", tap.watchToKeyframe().p50Ms());
            result("live.watchP99Ms", tap.watchToKeyframe().p99Ms());
            result("live.handshakeP50Ms", tap.handshake().p50Ms());
            result("live.handshakeP99Ms", tap.handshake().p99Ms());
            result("live.upgradeP50Ms", tap.upgrade().p50Ms());
            result("live.upgradeP99Ms", tap.upgrade().p99Ms());
            result("live.openToFrameP50Ms", tap.openToFrame().p50Ms());
            result("live.openToFrameP99Ms", tap.openToFrame().p99Ms());
            Thread.sleep(2_000); // settle: every GOP re-send is over
            waitFor("window-start");
            gen.beginWindow();
            Thread.sleep((long) (seconds * 1000));
            gen.endWindow();
            waitFor("window-end");
            LiveGen.WindowResult w = gen.result(1_000);
            result("live.seconds", w.seconds());
            result("live.bytesPerSecond", w.bytes() / w.seconds());
            result("live.framesPerSecond", w.frames() / w.seconds());
            result("live.framesExpected", w.expectedFrames());
            result("live.framesDelivered", w.frames());
            result("live.offeredBytesPerSecond", media.bytesPerSecond() * tap.open());
            result("live.latencyP50Ms", w.latency().p50Ms());
            result("live.latencyP99Ms", w.latency().p99Ms());
            result("live.latencyMaxMs", w.latency().maxMs());
            result("live.latencyMeanMs", w.latency().meanMs());
            result("live.videoLatencyP99Ms", w.videoLatency().p99Ms());
            result("live.audioLatencyP99Ms", w.audioLatency().p99Ms());
            result("live.deviceErrors", w.deviceErrors());
            result("live.viewersStillOpen", w.viewersStillOpen());
            result("live.failures", gen.failures().toString().replace(' ', '_'));
        }
    }

    private static void report(String prefix, LoadGen.ConnectResult r) {
        result(prefix + ".attempted", r.attempted());
        result(prefix + ".connected", r.connected());
        result(prefix + ".seconds", r.elapsedNanos() / 1e9);
        result(prefix + ".perSecond", r.perSecond());
        result(prefix + ".resumed", r.connected() - Math.min(r.connected(), r.certificatesPresented()));
        result(prefix + ".handshakeP50Ms", r.handshake().p50Ms());
        result(prefix + ".handshakeP99Ms", r.handshake().p99Ms());
        result(prefix + ".readyP50Ms", r.welcome().p50Ms());
        result(prefix + ".readyP99Ms", r.welcome().p99Ms());
        result(prefix + ".failures", r.failures().toString().replace(' ', '_'));
    }

    static void result(String key, Object value) {
        String text = value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(value);
        System.out.println("@result " + key + " " + text);
        System.out.flush();
    }

    /** Tells the runner we are at {@code name} and waits for its answer ("go", maybe with its clock). */
    private static String waitFor(String name) throws IOException {
        System.out.println("@wait " + name);
        System.out.flush();
        String answer = IN.readLine();
        if (answer == null) {
            System.exit(1);
        }
        return answer;
    }

    /**
     * Empties this process's young generation before a measured series of presses. Its own collections are pauses
     * inside every latency it measures, of both targets alike: with the young generation as it happened to be, one
     * collection of 100 – 300 ms fell inside most rings' 30 s and held ~25 presses, close to the 1 % a p99 looks at
     * (docs/benchmarks.md, session 19). With the young generation fixed at 2 GiB ({@link Bench}) none follows within
     * the series.
     */
    private static void collectOwnGarbage() {
        System.gc();
    }

    /**
     * {@code seconds} of presses (at least 50; 3 s by default) before each measured series, so both sides have
     * compiled their paths. Three seconds at 100/s is not enough for the hub's JIT: a perf profile of the presses
     * after it found C2 compiling for a fifth of the hub's CPU (docs/benchmarks.md, session 14), and after 30 s it
     * still compiles (session 15); a steady-state reading takes minutes, longer than the series it precedes.
     */
    static int warmUpPresses(double rate, double seconds) {
        return Math.max(50, (int) Math.round(rate * seconds));
    }
}

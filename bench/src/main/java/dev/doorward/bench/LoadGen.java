package dev.doorward.bench;

import dev.doorward.bench.net.Loop;
import dev.doorward.bench.net.MqttProtocol;
import dev.doorward.bench.net.TlsConnection;
import dev.doorward.bench.net.WebSocketProtocol;
import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;

/**
 * The load generator: a fleet of simulated devices (idle links with heartbeats, presses on demand) and
 * member sessions that listen for rings, against the Doorward hub or, for reference, an MQTT broker.
 * Runs in its own process ({@link LoadGenMain}) in benchmarks, in-process in tests.
 *
 * <p>One class: the devices and the members of one run share the timing records the runner reads; it is test
 * tooling, run by the benchmarks only.
 */
public final class LoadGen implements AutoCloseable {
    /**
     * Devices sharing one loopback source address. Each address has ~28 000 ephemeral ports, and a run uses
     * several per device within a minute (the first connection, the storm's reconnection, the reference's
     * connections, and closed ones lingering in TIME_WAIT), so addresses are spread generously.
     */
    static final int DEVICES_PER_SOURCE_ADDRESS = 5_000;

    public enum Target {
        DOORWARD,
        MQTT
    }

    /**
     * @param host address of the hub / broker (loopback)
     * @param devicePort hub device port, or the broker's port
     * @param browserPort hub browser port (the member streams' Origin); unused for MQTT
     * @param streamPort the port member streams open on: the hub's live port, as the web app does; unused for MQTT
     * @param sessionCookie the member's session cookie ("name=value"); unused for MQTT
     * @param localAddresses source addresses to spread device connections over (each holds ~28 000 ports)
     * @param heartbeatSeconds how often an idle device speaks (Doorward heartbeat / MQTT PINGREQ)
     */
    public record Config(
            Target target,
            String host,
            int devicePort,
            int browserPort,
            int streamPort,
            String sessionCookie,
            List<String> localAddresses,
            int loops,
            int heartbeatSeconds) {}

    /** Outcome of connecting a set of devices. */
    public record ConnectResult(
            int attempted,
            int connected,
            long elapsedNanos,
            Stats handshake,
            Stats welcome,
            long certificatesPresented,
            Map<String, Integer> failures) {
        public double perSecond() {
            return connected / (elapsedNanos / 1e9);
        }
    }

    public record RingResult(
            int presses,
            int sessions,
            int expected,
            int received,
            Stats latency,
            int deviceErrors,
            long elapsedNanos,
            Stats.Samples samples,
            Stats.Samples timeline) {
        /**
         * Writes one line per ring received, in press order: the press's wall-clock time (ms since the epoch) and its
         * latency (µs). A tail is read against the servers' GC logs and the machine's own activity by the time.
         */
        public void writeTimeline(Path file) throws IOException {
            long wallMinusMonotonic = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
            long[] pairs = timeline.values();
            long[][] rows = new long[pairs.length / 2][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = new long[] {pairs[2 * i], pairs[2 * i + 1]};
            }
            Arrays.sort(rows, Comparator.comparingLong(row -> row[0]));
            StringBuilder out = new StringBuilder("pressed_at_ms\tlatency_us\n");
            for (long[] row : rows) {
                out.append((row[0] + wallMinusMonotonic) / 1_000_000L)
                        .append('\t')
                        .append(row[1] / 1_000L)
                        .append('\n');
            }
            Files.writeString(file, out, StandardCharsets.UTF_8);
        }
    }

    private final Config config;
    private final Fleet fleet;
    private final Fleet.Identities identities;
    private final SSLContext memberContext;
    private final Loop[] loops;
    private static final long HEARTBEAT_SLOT_NANOS = 25_000_000L;
    private final long heartbeatEpoch = System.nanoTime();
    /** Per loop: the last heartbeat slot (since {@link #heartbeatEpoch}) whose devices were sent theirs. */
    private final long[] heartbeatSlotsDone;

    private final Loop memberLoop;
    private final Device[] devices;
    private final Member[] members;
    private final Map<String, Long> pressedAt = new ConcurrentHashMap<>();
    private volatile Stats.Samples ringLatencies = new Stats.Samples();
    /** Each received ring of the current {@link #ring} call: press time, then latency (nanoseconds). */
    private volatile Stats.Samples ringTimeline = new Stats.Samples();

    private final AtomicInteger deviceErrors = new AtomicInteger();
    private volatile ConnectRound round;
    private volatile boolean keepSessions;
    /** Where member streams connect (a cluster node other than the doorbells'); the devices' host by default. */
    private volatile String memberHost;
    /** Source addresses taken in turn (HAProxy's "balance source" then spreads the devices over the nodes). */
    private volatile boolean sourcesInTurn;

    public LoadGen(Config config, Fleet fleet, int deviceCount, int memberCount) {
        if (deviceCount > fleet.size()) {
            throw new IllegalArgumentException("the fleet has only " + fleet.size() + " devices");
        }
        this.config = config;
        this.fleet = fleet;
        this.identities = fleet.identities();
        try {
            SSLContext plain = SSLContext.getInstance("TLSv1.3");
            plain.init(null, fleet.trustManagers(), null);
            this.memberContext = plain;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        this.loops = new Loop[Math.max(1, config.loops())];
        this.heartbeatSlotsDone = new long[loops.length];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop("devices-" + i);
            int loopIndex = i;
            loops[i].every(HEARTBEAT_SLOT_NANOS / 1_000_000, () -> heartbeats(loopIndex));
        }
        this.memberLoop = new Loop("members");
        this.devices = new Device[deviceCount];
        for (int i = 0; i < deviceCount; i++) {
            devices[i] = new Device(i);
        }
        this.members = new Member[memberCount];
    }

    // ---------------------------------------------------------------- devices

    private final class Device implements WebSocketProtocol.Listener, MqttProtocol.Listener {
        final int index;
        TlsConnection connection;
        WebSocketProtocol ws;
        MqttProtocol mqtt;
        volatile boolean ready;
        long seq;
        volatile ConnectRound settledIn;

        Device(int index) {
            this.index = index;
        }

        Loop loop() {
            return loops[index % loops.length];
        }

        void connect(ConnectRound round) {
            ready = false;
            settledIn = null;
            InetSocketAddress local = null;
            List<String> locals = config.localAddresses();
            if (locals != null && !locals.isEmpty() && sourcesInTurn) {
                local = new InetSocketAddress(locals.get(index % locals.size()), 0);
            } else if (locals != null && !locals.isEmpty()) {
                // Fill one source address before the next, ~25 000 connections each.
                local = new InetSocketAddress(
                        locals.get(Math.min(locals.size() - 1, index / DEVICES_PER_SOURCE_ADDRESS)), 0);
            }
            TlsConnection.Protocol protocol;
            if (config.target() == Target.DOORWARD) {
                ws = new WebSocketProtocol(config.host() + ":" + config.devicePort(), "/link", null, this);
                protocol = ws;
            } else {
                mqtt = new MqttProtocol("d" + index, config.heartbeatSeconds() * 2, this);
                protocol = mqtt;
            }
            connection = TlsConnection.connect(
                    loop(),
                    identities.context(),
                    new InetSocketAddress(config.host(), config.devicePort()),
                    local,
                    protocol,
                    index,
                    round,
                    engine -> {
                        engine.setSSLParameters(TlsContexts.parameters());
                        identities.assign(engine, index);
                    },
                    keepSessions ? "device-" + index + ".bench" : null);
        }

        @Override
        public void onOpen(TlsConnection c) {
            identities.release(c.engine());
            ws.sendText(
                    c,
                    LinkCodec.encode(new LinkMessage.Hello(List.of(1), "doorward-bench/0.1", LinkMessage.Mode.NORMAL)));
        }

        @Override
        public void onConnected(TlsConnection c) {
            identities.release(c.engine());
            settle(c, null);
        }

        @Override
        public void onText(TlsConnection c, String text, long receivedNanos) {
            if (!ready && text.contains("\"type\":\"welcome\"")) {
                settle(c, null);
            } else if (text.contains("\"type\":\"error\"")) {
                deviceErrors.incrementAndGet();
            }
        }

        @Override
        public void onPublish(TlsConnection c, String topic, byte[] payload, long receivedNanos) {}

        @Override
        public void onClose(TlsConnection c, String reason) {
            identities.release(c.engine());
            ready = false;
            if (c == connection) {
                settle(c, reason);
            }
        }

        /** The end of one connection attempt: ready (reason null) or failed. */
        private void settle(TlsConnection c, String failure) {
            ConnectRound r = (ConnectRound) c.attachment;
            if (r == null || settledIn == r) {
                return;
            }
            settledIn = r;
            if (failure == null) {
                ready = true;
                long now = System.nanoTime();
                r.handshake.add(c.handshakeNanos - c.startedNanos);
                r.welcome.add(now - c.startedNanos);
                r.connected.incrementAndGet();
                r.lastReady.accumulateAndGet(now, Math::max);
            } else {
                r.failures.merge(failure.length() > 60 ? failure.substring(0, 60) : failure, 1, Integer::sum);
            }
            r.window.release();
            r.done.countDown();
        }
    }

    private static final class ConnectRound {
        final Semaphore window;
        final CountDownLatch done;
        final AtomicInteger connected = new AtomicInteger();
        final AtomicLong lastReady = new AtomicLong();
        final Stats.Samples handshake = new Stats.Samples();
        final Stats.Samples welcome = new Stats.Samples();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();

        ConnectRound(int count, int window) {
            this.window = new Semaphore(window);
            this.done = new CountDownLatch(count);
        }
    }

    /**
     * Connects devices [0, count) with at most {@code window} connection attempts in flight; returns when all
     * are welcomed (or failed) or the timeout passed.
     */
    /**
     * From now on each device keeps the TLS session of its connection and offers it when it connects again, as a
     * real doorbell does (it keeps one TLS context for its life); before, every connection is a full handshake.
     */
    public void keepSessions() {
        keepSessions = true;
    }

    /** Member streams connect to {@code host} instead of the devices' host. */
    public void membersOn(String host) {
        memberHost = host;
    }

    /** Each device takes the next source address in turn instead of filling one address before the next. */
    public void sourcesInTurn() {
        sourcesInTurn = true;
    }

    /** What a reconnect storm after a node died looked like: see {@link #reconnectDropped}. */
    public record StormResult(
            int dropped,
            int reconnected,
            int retries,
            long killToAllBackNanos,
            long firstToLastNanos,
            Stats handshake) {}

    /**
     * After the runner killed a node: every device whose link closes connects again at once, as a doorbell does
     * (through the same address: HAProxy sends it to a live node), with at most {@code window} attempts in flight;
     * a failed attempt is retried. Returns when at least one device dropped and all are ready again for a second,
     * or at the timeout. Times count from {@code killedAtNanos} (the runner's clock: the same monotonic clock).
     */
    public StormResult reconnectDropped(long killedAtNanos, int window, long timeoutMillis)
            throws InterruptedException {
        ConnectRound r = new ConnectRound(devices.length, window);
        round = r;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        java.util.Set<Integer> restarted = new java.util.HashSet<>();
        int retries = 0;
        long firstStart = 0;
        long allReadySince = 0;
        while (System.nanoTime() < deadline) {
            boolean allReady = true;
            for (Device d : devices) {
                if (d.ready) {
                    continue;
                }
                allReady = false;
                boolean inFlight = restarted.contains(d.index) && d.settledIn != r;
                if (inFlight) {
                    continue;
                }
                if (!restarted.add(d.index)) {
                    retries++;
                }
                if (!r.window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
                if (firstStart == 0) {
                    firstStart = System.nanoTime();
                }
                d.connect(r);
            }
            if (allReady && !restarted.isEmpty()) {
                if (allReadySince == 0) {
                    allReadySince = System.nanoTime();
                } else if (System.nanoTime() - allReadySince > 1_000_000_000L) {
                    break;
                }
            } else {
                allReadySince = 0;
            }
            Thread.sleep(5);
        }
        long last = r.lastReady.get();
        return new StormResult(
                restarted.size(),
                r.connected.get(),
                retries,
                readyDevices() == devices.length && last > 0 ? last - killedAtNanos : -1,
                last > 0 && firstStart > 0 ? last - firstStart : -1,
                r.handshake.stats());
    }

    public ConnectResult connectDevices(int count, int window, long timeoutMillis) throws InterruptedException {
        long certificatesBefore = identities.certificatesPresented();
        ConnectRound r = new ConnectRound(count, window);
        round = r;
        long start = System.nanoTime();
        long deadline = start + timeoutMillis * 1_000_000L;
        int started = 0;
        for (; started < count; started++) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !r.window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            devices[started].connect(r);
        }
        r.done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        long end = r.connected.get() == count ? r.lastReady.get() : System.nanoTime();
        Map<String, Integer> failures = new TreeMap<>(r.failures);
        int unfinished = (int) r.done.getCount();
        if (unfinished > 0) {
            failures.put("not done within " + timeoutMillis + " ms", unfinished);
        }
        return new ConnectResult(
                count,
                r.connected.get(),
                end - start,
                r.handshake.stats(),
                r.welcome.stats(),
                identities.certificatesPresented() - certificatesBefore,
                failures);
    }

    /** Drops every device connection at once (TCP close, like a network outage) and waits until all are gone. */
    public void dropAllDevices() throws InterruptedException {
        CountDownLatch dropped = new CountDownLatch(loops.length);
        for (Loop loop : loops) {
            loop.execute(() -> {
                for (Device d : devices) {
                    if (d.loop() == loop && d.connection != null) {
                        d.connection.attachment = null;
                        d.connection.abort();
                    }
                }
                dropped.countDown();
            });
        }
        dropped.await(30, TimeUnit.SECONDS);
    }

    public int readyDevices() {
        int n = 0;
        for (Device d : devices) {
            if (d.ready) {
                n++;
            }
        }
        return n;
    }

    /**
     * Sends the heartbeats due since the loop's last tick. Each device has its own 25 ms slot of the period, so
     * the fleet's heartbeats are spread evenly, as independent doorbells' are. (Sending a thirtieth of the fleet in
     * one burst each second held both servers' rings behind a few milliseconds of heartbeats: the p99 of both.)
     */
    private void heartbeats(int loopIndex) {
        long slotsPerPeriod = config.heartbeatSeconds() * 1_000_000_000L / HEARTBEAT_SLOT_NANOS;
        long now = (System.nanoTime() - heartbeatEpoch) / HEARTBEAT_SLOT_NANOS;
        long from = Math.max(heartbeatSlotsDone[loopIndex] + 1, now - slotsPerPeriod + 1);
        if (now < from) {
            return;
        }
        heartbeatSlotsDone[loopIndex] = now;
        for (int i = loopIndex; i < devices.length; i += loops.length) {
            long due = from + Math.floorMod(i - from, slotsPerPeriod); // the device's first slot at or after from
            Device d = devices[i];
            if (due <= now && d.ready && d.connection != null && d.connection.isOpen()) {
                if (config.target() == Target.DOORWARD) {
                    d.ws.sendText(d.connection, LinkCodec.encode(new LinkMessage.Heartbeat(++d.seq)));
                } else {
                    d.mqtt.ping(d.connection);
                }
            }
        }
    }

    // ---------------------------------------------------------------- members

    private final class Member implements WebSocketProtocol.Listener, MqttProtocol.Listener {
        final CountDownLatch ready = new CountDownLatch(1);
        volatile String closed;
        MqttProtocol mqtt;

        @Override
        public void onOpen(TlsConnection c) {}

        @Override
        public void onText(TlsConnection c, String text, long receivedNanos) {
            if (text.contains("\"type\":\"hello\"")) {
                ready.countDown();
            } else if (text.contains("\"type\":\"ring\"")) {
                received(eventIdIn(text), receivedNanos);
            }
        }

        @Override
        public void onConnected(TlsConnection c) {
            identities.release(c.engine());
            mqtt.subscribe(c, "doorward/+/ring");
            ready.countDown();
        }

        @Override
        public void onPublish(TlsConnection c, String topic, byte[] payload, long receivedNanos) {
            received(eventIdIn(new String(payload, StandardCharsets.UTF_8)), receivedNanos);
        }

        @Override
        public void onClose(TlsConnection c, String reason) {
            closed = reason;
            ready.countDown();
        }
    }

    private void received(String eventId, long receivedNanos) {
        Long t0 = eventId == null ? null : pressedAt.get(eventId);
        if (t0 != null) {
            ringLatencies.add(receivedNanos - t0);
            ringTimeline.add(t0, receivedNanos - t0);
        }
    }

    static String eventIdIn(String json) {
        int at = json.indexOf("\"eventId\":\"");
        if (at < 0) {
            return null;
        }
        int from = at + "\"eventId\":\"".length();
        int to = json.indexOf('"', from);
        return to < 0 ? null : json.substring(from, to);
    }

    /** Opens the member sessions and waits until each one listens. */
    public int openMembers(long timeoutMillis) throws InterruptedException {
        for (int i = 0; i < members.length; i++) {
            Member m = new Member();
            members[i] = m;
            if (config.target() == Target.DOORWARD) {
                String origin = "https://localhost:" + config.browserPort();
                WebSocketProtocol ws = new WebSocketProtocol(
                        "localhost:" + config.streamPort(),
                        "/api/stream",
                        "Origin: " + origin + "\r\nCookie: " + config.sessionCookie() + "\r\n",
                        m);
                TlsConnection.connect(
                        memberLoop,
                        memberContext,
                        new InetSocketAddress(memberHost == null ? config.host() : memberHost, config.streamPort()),
                        null,
                        ws,
                        i,
                        null,
                        engine -> engine.setSSLParameters(TlsContexts.parameters()));
            } else {
                m.mqtt = new MqttProtocol("member-" + i, 0, m);
                TlsConnection.connect(
                        memberLoop,
                        identities.context(),
                        new InetSocketAddress(config.host(), config.devicePort()),
                        null,
                        m.mqtt,
                        i,
                        null,
                        engine -> {
                            engine.setSSLParameters(TlsContexts.parameters());
                            identities.assign(engine, 0);
                        });
            }
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int open = 0;
        for (Member m : members) {
            if (m.ready.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) && m.closed == null) {
                open++;
            }
        }
        if (config.target() == Target.MQTT) {
            Thread.sleep(300); // SUBACK is not awaited; give the broker a moment
        }
        return open;
    }

    // ---------------------------------------------------------------- presses

    /**
     * Presses the button {@code presses} times at {@code perSecond}, round robin over the connected devices,
     * and waits (bounded) until every member session got every ring. Latency = the member session's receive
     * time minus the moment just before the device wrote the event, both on this machine's monotonic clock.
     */
    public RingResult ring(int presses, double perSecond, long drainMillis) throws InterruptedException {
        int[] ready = new int[devices.length];
        int readyCount = 0;
        for (Device d : devices) {
            if (d.ready) {
                ready[readyCount++] = d.index;
            }
        }
        if (readyCount == 0) {
            throw new IllegalStateException("no device is connected");
        }
        int sessions = 0;
        for (Member m : members) {
            if (m != null && m.closed == null) {
                sessions++;
            }
        }
        Stats.Samples latencies = new Stats.Samples();
        Stats.Samples timeline = new Stats.Samples();
        ringLatencies = latencies;
        ringTimeline = timeline;
        int before = 0;
        long intervalNanos = (long) (1e9 / perSecond);
        long start = System.nanoTime();
        for (int k = 0; k < presses; k++) {
            long due = start + k * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            Device d = devices[ready[k % readyCount]];
            d.loop().execute(() -> press(d));
        }
        int expected = presses * sessions;
        long deadline = System.nanoTime() + drainMillis * 1_000_000L;
        while (latencies.size() - before < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long elapsed = System.nanoTime() - start;
        return new RingResult(
                presses,
                sessions,
                expected,
                latencies.size() - before,
                latencies.stats(),
                deviceErrors.get(),
                elapsed,
                latencies,
                timeline);
    }

    private void press(Device d) {
        if (d.connection == null || !d.connection.isOpen()) {
            return;
        }
        String eventId = RandomIds.newId();
        String json = LinkCodec.encode(
                new LinkMessage.DeviceEvent(eventId, EventKind.RING, System.currentTimeMillis(), null));
        if (config.target() == Target.DOORWARD) {
            pressedAt.put(eventId, System.nanoTime());
            d.ws.sendText(d.connection, json);
        } else {
            byte[] payload = json.getBytes(StandardCharsets.UTF_8);
            pressedAt.put(eventId, System.nanoTime());
            d.mqtt.publishQos1(d.connection, "doorward/h/ring", payload);
        }
    }

    /**
     * Writes "event-id press-nanoTime" for every press made at or after {@code fromNanos} (this process's
     * {@link System#nanoTime()}), for the runner to match what a push service received against.
     */
    public void writePresses(Path file, long fromNanos) throws IOException {
        StringBuilder out = new StringBuilder();
        pressedAt.forEach((eventId, at) -> {
            if (at >= fromNanos) {
                out.append(eventId).append(' ').append(at).append('\n');
            }
        });
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    public Fleet fleet() {
        return fleet;
    }

    @Override
    public void close() {
        for (Loop loop : loops) {
            loop.close();
        }
        memberLoop.close();
    }
}

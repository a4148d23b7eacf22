package dev.doorward.bench;

import dev.doorward.bench.net.Loop;
import dev.doorward.bench.net.TlsConnection;
import dev.doorward.bench.net.WebSocketProtocol;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The live scenario's load: doorbells streaming synthetic sealed media (random bytes in valid {@link MediaPart}
 * framing; the relay cannot open media anyway) and viewers watching them, against the hub ({@code /link} and
 * {@code /api/live}) or, for reference, nginx with the nchan module (WebSocket publisher and subscribers).
 *
 * <p>Every frame's first part starts (after the 2-byte part header) with a 17-byte bench header: the send time
 * on this process's monotonic clock, the device index, the frame's sequence number per media kind and a resend
 * flag. A doorbell re-sends its current GOP (flag set) whenever its viewer count grows, as the real doorbell
 * does (docs/media.md); viewers time every original frame from that header, never a resent one.
 *
 * <p>One class: publishers and viewers share the bench header's clock and the per-frame timing records; it is
 * benchmark tooling, run by the benchmarks only.
 */
public final class LiveGen implements AutoCloseable {
    public enum Target {
        /** The hub: doorbells on the device port, viewers on the live port's {@code /api/live}. */
        DOORWARD,
        /** nginx + nchan: doorbells publish to {@code /pub/<id>}, viewers subscribe to {@code /sub/<id>}. */
        NCHAN
    }

    /** What every doorbell sends: video frames at {@code fps}, a keyframe every {@code gop}, and audio. */
    public record Media(double fps, int gop, int keyframeBytes, int frameBytes, double audioPerSecond, int audioBytes) {
        double bytesPerSecond() {
            double video = fps * ((keyframeBytes + (gop - 1.0) * frameBytes) / gop);
            return video + audioPerSecond * audioBytes;
        }
    }

    /**
     * @param devicePort the hub's device port, or nginx's publisher port (client certificates required on both)
     * @param viewerPort the hub's live port, or nginx's subscriber port
     * @param pagePort the hub's browser port, which served the page that opens the view ({@code Origin}); unused
     *     for nginx
     * @param cookies session cookies of signed-in household members, one per {@code viewersPerAccount} viewers
     *     (Doorward only)
     */
    public record Config(
            Target target,
            String host,
            int devicePort,
            int viewerPort,
            int pagePort,
            List<String> cookies,
            int viewersPerAccount,
            int loops,
            Media media) {}

    /**
     * The viewers opened to stay ({@code viewers}, {@code open} of them with a first keyframe), all taps with the
     * probes that left after their first keyframe ({@code taps}), and how long each tap took, whole (TCP connect to first complete keyframe) and by stage: TCP +
     * TLS handshake, the upgrade request's round trip (for Doorward this includes admitting the session; nchan
     * subscribes with it), and from the upgrade's answer to the first complete keyframe.
     */
    public record TapResult(
            int viewers,
            int open,
            int taps,
            Stats tapToFrame,
            Stats watchToKeyframe,
            Stats handshake,
            Stats upgrade,
            Stats openToFrame,
            Map<String, Integer> failures) {}

    public record WindowResult(
            double seconds,
            long bytes,
            long frames,
            long expectedFrames,
            Stats latency,
            Stats videoLatency,
            Stats audioLatency,
            int deviceErrors,
            int viewersStillOpen) {}

    static final int BENCH_HEADER = 17;
    private static final Pattern DOORWARD_VIEWERS = Pattern.compile("\"type\":\"live\".*\"viewers\":(\\d+)");
    private static final Pattern NCHAN_SUBSCRIBERS = Pattern.compile("subscribers: (\\d+)");

    private final Config config;
    /** Where viewers connect (a cluster node other than the doorbells'); the devices' host by default. */
    private volatile String viewerHost;

    private final Fleet fleet;
    private final Fleet.Identities identities;
    private final SSLContext viewerContext;
    private final Loop[] deviceLoops;
    private final Loop[] viewerLoops;
    private final Dev[] devices;
    private final List<View> viewers = new ArrayList<>();
    private final int viewersPerDevice;
    private final byte[] noise = new byte[256 * 1024];
    private final AtomicInteger deviceErrors = new AtomicInteger();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final LongAdder windowBytes = new LongAdder();
    private final LongAdder windowFrames = new LongAdder();
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private volatile Stats.Samples latencies = new Stats.Samples();
    private volatile Stats.Samples videoLatencies = new Stats.Samples();
    private volatile Stats.Samples audioLatencies = new Stats.Samples();
    private volatile boolean streaming;
    private Thread scheduler;

    public LiveGen(Config config, Fleet fleet, int deviceCount, int viewersPerDevice) {
        if (deviceCount > fleet.size()) {
            throw new IllegalArgumentException("the fleet has only " + fleet.size() + " devices");
        }
        this.config = config;
        this.fleet = fleet;
        this.identities = fleet.identities();
        this.viewersPerDevice = viewersPerDevice;
        try {
            SSLContext plain = SSLContext.getInstance("TLSv1.3");
            plain.init(null, fleet.trustManagers(), null);
            this.viewerContext = plain;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        ThreadLocalRandom.current().nextBytes(noise);
        int loops = Math.max(1, config.loops());
        deviceLoops = new Loop[loops];
        viewerLoops = new Loop[loops];
        for (int i = 0; i < loops; i++) {
            deviceLoops[i] = new Loop("live-devices-" + i);
            viewerLoops[i] = new Loop("live-viewers-" + i);
        }
        devices = new Dev[deviceCount];
        for (int i = 0; i < deviceCount; i++) {
            devices[i] = new Dev(i);
        }
        if (config.target() == Target.DOORWARD) {
            for (Loop loop : deviceLoops) {
                loop.every(1_000, () -> heartbeats(loop));
            }
        }
    }

    // ---------------------------------------------------------------- doorbells

    private final class Dev implements WebSocketProtocol.Listener {
        final int index;
        final String id;
        final Loop loop;
        final CountDownLatch ready = new CountDownLatch(1);
        TlsConnection connection;
        WebSocketProtocol ws;
        volatile boolean open;
        String closed;
        int knownViewers;
        final long[] seq = new long[4];
        /** The current GOP: every video frame from the last keyframe, as sent (bench header included). */
        final List<byte[]> gop = new ArrayList<>();
        /** Original frames whose send time fell in the measurement window. */
        long framesInWindow;

        long heartbeatSeq;
        long lastHeartbeat = System.nanoTime();

        Dev(int index) {
            this.index = index;
            this.id = fleet.ids().get(index);
            this.loop = deviceLoops[index % deviceLoops.length];
        }

        void connect() {
            String path = config.target() == Target.DOORWARD ? "/link" : "/pub/" + id;
            ws = new WebSocketProtocol(config.host() + ":" + config.devicePort(), path, null, this);
            connection = TlsConnection.connect(
                    loop,
                    identities.context(),
                    new InetSocketAddress(config.host(), config.devicePort()),
                    null,
                    ws,
                    index,
                    null,
                    engine -> {
                        engine.setSSLParameters(TlsContexts.parameters());
                        identities.assign(engine, index);
                    });
        }

        @Override
        public void onOpen(TlsConnection c) {
            identities.release(c.engine());
            if (config.target() == Target.DOORWARD) {
                ws.sendText(
                        c,
                        LinkCodec.encode(
                                new LinkMessage.Hello(List.of(1), "doorward-bench/0.1", LinkMessage.Mode.NORMAL)));
            } else {
                open = true;
                ready.countDown();
            }
        }

        @Override
        public void onText(TlsConnection c, String text, long receivedNanos) {
            Matcher m;
            if (config.target() == Target.DOORWARD) {
                if (!open && text.contains("\"type\":\"welcome\"")) {
                    open = true;
                    ready.countDown();
                    return;
                }
                if (text.contains("\"type\":\"error\"")) {
                    deviceErrors.incrementAndGet();
                    return;
                }
                m = DOORWARD_VIEWERS.matcher(text);
            } else {
                // nchan answers every publish with the channel's state, its subscriber count included.
                m = NCHAN_SUBSCRIBERS.matcher(text);
            }
            if (m.find()) {
                int count = Integer.parseInt(m.group(1));
                if (count > knownViewers) {
                    resendGop();
                }
                knownViewers = count;
            }
        }

        @Override
        public void onClose(TlsConnection c, String reason) {
            identities.release(c.engine());
            open = false;
            closed = reason;
            ready.countDown();
        }

        void video() {
            if (!open) {
                return;
            }
            boolean key = seq[1] % config.media().gop() == 0;
            byte[] frame = frame(
                    MediaPart.Kind.VIDEO,
                    key ? config.media().keyframeBytes() : config.media().frameBytes());
            if (key) {
                gop.clear();
            }
            gop.add(frame);
            send(MediaPart.Kind.VIDEO, key, frame);
        }

        void audio() {
            if (!open) {
                return;
            }
            send(
                    MediaPart.Kind.AUDIO,
                    false,
                    frame(MediaPart.Kind.AUDIO, config.media().audioBytes()));
        }

        private byte[] frame(MediaPart.Kind kind, int size) {
            byte[] frame = new byte[Math.max(BENCH_HEADER, size)];
            int from = ThreadLocalRandom.current().nextInt(noise.length - frame.length);
            System.arraycopy(noise, from, frame, 0, frame.length);
            ByteBuffer header = ByteBuffer.wrap(frame);
            header.putLong(0) // the send time, set in send()
                    .putInt(index)
                    .putInt((int) seq[kind.code()]++)
                    .put((byte) 0);
            return frame;
        }

        private void send(MediaPart.Kind kind, boolean key, byte[] frame) {
            long now = System.nanoTime();
            ByteBuffer.wrap(frame).putLong(0, now);
            if (now >= windowStart && now < windowEnd) {
                framesInWindow++;
            }
            for (ByteBuffer part : MediaPart.split(kind, key, frame)) {
                ws.sendBinary(connection, part);
            }
        }

        /** A viewer joined: the GOP so far again, flagged so that no viewer times it. */
        void resendGop() {
            if (!open || gop.isEmpty()) {
                return;
            }
            for (int i = 0; i < gop.size(); i++) {
                byte[] copy = gop.get(i).clone();
                copy[16] = 1;
                for (ByteBuffer part : MediaPart.split(MediaPart.Kind.VIDEO, i == 0, copy)) {
                    ws.sendBinary(connection, part);
                }
            }
        }
    }

    private void heartbeats(Loop loop) {
        long now = System.nanoTime();
        for (Dev d : devices) {
            if (d.loop == loop && d.open && now - d.lastHeartbeat > 15_000_000_000L) {
                d.lastHeartbeat = now;
                d.ws.sendText(d.connection, LinkCodec.encode(new LinkMessage.Heartbeat(++d.heartbeatSeq)));
            }
        }
    }

    /** Connects every doorbell (link + welcome, or the nchan publisher socket); returns how many are ready. */
    public int connectDevices(long timeoutMillis) throws InterruptedException {
        for (Dev d : devices) {
            d.connect();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int n = 0;
        for (Dev d : devices) {
            if (d.ready.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) && d.open) {
                n++;
            } else {
                failures.merge("device: " + (d.closed == null ? "not ready in time" : d.closed), 1, Integer::sum);
            }
        }
        return n;
    }

    /** Starts every doorbell's stream, phases spread evenly, on a scheduler thread of its own. */
    public void startStreaming() {
        streaming = true;
        scheduler = new Thread(this::schedule, "live-scheduler");
        scheduler.setDaemon(true);
        scheduler.start();
    }

    private record Due(long at, int device, boolean video) {}

    private void schedule() {
        Media media = config.media();
        long videoPeriod = (long) (1e9 / media.fps());
        long audioPeriod = media.audioPerSecond() > 0 ? (long) (1e9 / media.audioPerSecond()) : Long.MAX_VALUE;
        long start = System.nanoTime() + 10_000_000L;
        PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        for (Dev d : devices) {
            long phase = videoPeriod * d.index / devices.length;
            queue.add(new Due(start + phase, d.index, true));
            if (audioPeriod != Long.MAX_VALUE) {
                queue.add(new Due(start + audioPeriod * d.index / devices.length, d.index, false));
            }
        }
        while (streaming) {
            Due next = queue.poll();
            long wait;
            while ((wait = next.at() - System.nanoTime()) > 0 && streaming) {
                LockSupport.parkNanos(wait);
            }
            Dev d = devices[next.device()];
            if (next.video()) {
                d.loop.execute(d::video);
                queue.add(new Due(next.at() + videoPeriod, next.device(), true));
            } else {
                d.loop.execute(d::audio);
                queue.add(new Due(next.at() + audioPeriod, next.device(), false));
            }
        }
    }

    // ---------------------------------------------------------------- viewers

    private final class View implements WebSocketProtocol.Listener {
        final Dev device;
        /** Leaves once its first keyframe is complete, as one who only glances at the door. */
        final boolean probe;

        final CountDownLatch firstFrame = new CountDownLatch(1);
        WebSocketProtocol ws;
        long tapNanos;
        long watchNanos;
        long handshakeNanos;
        long upgradeSentNanos;
        long openNanos;
        long firstKeyPartNanos;
        volatile long firstKeyDoneNanos;
        volatile boolean open;
        volatile String closed;
        final long[] lastSeq = {-1, -1, -1, -1};
        final long[] frameSent = new long[4];
        final long[] frameSeq = new long[4];
        final boolean[] frameTimed = new boolean[4];

        View(Dev device, boolean probe) {
            this.device = device;
            this.probe = probe;
        }

        @Override
        public void onOpen(TlsConnection c) {
            open = true;
            openNanos = System.nanoTime();
            handshakeNanos = c.handshakeNanos;
            upgradeSentNanos = ws.upgradeSentNanos;
            if (config.target() == Target.DOORWARD) {
                watchNanos = System.nanoTime();
                ws.sendText(c, "{\"type\":\"watch\",\"deviceId\":\"" + device.id + "\",\"clientId\":\"\"}");
            } else {
                // nchan subscribes with the upgrade request itself.
                watchNanos = ws.upgradeSentNanos;
            }
        }

        @Override
        public void onText(TlsConnection c, String text, long receivedNanos) {
            if (text.contains("\"state\":\"ended\"")) {
                failures.merge("viewer: " + text, 1, Integer::sum);
            }
        }

        @Override
        public void onBinary(TlsConnection c, byte[] part, long now) {
            if (part.length < 3) {
                return;
            }
            if (now >= windowStart && now < windowEnd) {
                windowBytes.add(part.length);
            }
            int kind = part[0] & 3;
            int flags = part[1];
            boolean first = (flags & 1) != 0;
            boolean last = (flags & 2) != 0;
            boolean key = (flags & 4) != 0;
            if (key && firstKeyPartNanos == 0) {
                firstKeyPartNanos = now;
            }
            if (first) {
                frameTimed[kind] = false;
                if (part.length >= 2 + BENCH_HEADER) {
                    ByteBuffer h = ByteBuffer.wrap(part, 2, BENCH_HEADER);
                    long sent = h.getLong();
                    h.getInt();
                    long seq = h.getInt() & 0xffffffffL;
                    boolean resend = h.get() != 0;
                    frameSent[kind] = sent;
                    frameSeq[kind] = seq;
                    frameTimed[kind] = !resend;
                }
            }
            if (last) {
                if (key && firstKeyDoneNanos == 0) {
                    firstKeyDoneNanos = now;
                    firstFrame.countDown();
                    if (probe) {
                        ws.sendClose(c);
                        return;
                    }
                }
                if (frameTimed[kind] && frameSeq[kind] > lastSeq[kind]) {
                    lastSeq[kind] = frameSeq[kind];
                    long sent = frameSent[kind];
                    if (sent >= windowStart && sent < windowEnd) {
                        windowFrames.increment();
                        latencies.add(now - sent);
                        (kind == 1 ? videoLatencies : audioLatencies).add(now - sent);
                    }
                }
                frameTimed[kind] = false;
            }
        }

        @Override
        public void onClose(TlsConnection c, String reason) {
            open = false;
            closed = reason;
            firstFrame.countDown();
        }
    }

    /** A member's app, open: its member stream, which the web app opens on the live port when it starts. */
    private static final class AppStream implements WebSocketProtocol.Listener {
        final CountDownLatch hello = new CountDownLatch(1);
        volatile String closed;

        @Override
        public void onOpen(TlsConnection c) {}

        @Override
        public void onText(TlsConnection c, String text, long receivedNanos) {
            if (text.contains("\"type\":\"hello\"")) {
                hello.countDown();
            }
        }

        @Override
        public void onClose(TlsConnection c, String reason) {
            closed = reason;
            hello.countDown();
        }
    }

    /**
     * Opens each member's app before its taps, as a tap in the web app always comes from an open app: the app's
     * member stream on the live port, kept open until the end. Doorward only (nchan has no sessions). Returns how
     * many opened.
     */
    public int openApps(long timeoutMillis) throws InterruptedException {
        if (config.target() != Target.DOORWARD) {
            return 0;
        }
        List<AppStream> apps = new ArrayList<>();
        for (int i = 0; i < config.cookies().size(); i++) {
            AppStream app = new AppStream();
            WebSocketProtocol ws = new WebSocketProtocol(
                    "localhost:" + config.viewerPort(),
                    "/api/stream",
                    "Origin: https://localhost:" + config.pagePort() + "\r\nCookie: "
                            + config.cookies().get(i) + "\r\n",
                    app);
            TlsConnection.connect(
                    viewerLoops[i % viewerLoops.length],
                    viewerContext,
                    new InetSocketAddress(viewerHost == null ? config.host() : viewerHost, config.viewerPort()),
                    null,
                    ws,
                    i,
                    null,
                    engine -> engine.setSSLParameters(TlsContexts.parameters()));
            apps.add(app);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int open = 0;
        for (AppStream app : apps) {
            if (app.hello.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && app.closed == null) {
                open++;
            } else {
                failures.merge(
                        "app stream: " + (app.closed == null ? "no hello in time" : app.closed), 1, Integer::sum);
            }
        }
        return open;
    }

    /**
     * Opens {@code viewersPerDevice} viewers for every ready doorbell, one at a time at {@code perSecond}
     * (round robin over the doorbells), then {@code probes} more that each leave once their first keyframe is
     * complete (taps while the others stream, so that the tap's p99 rests on enough samples), and times each from
     * its TCP connect to its first complete keyframe. Only the first ones stay for the window.
     */
    public TapResult openViewers(double perSecond, int probes, long timeoutMillis) throws InterruptedException {
        long interval = (long) (1e9 / perSecond);
        long start = System.nanoTime();
        List<Dev> ready = new ArrayList<>();
        for (Dev d : devices) {
            if (d.open) {
                ready.add(d);
            }
        }
        List<View> tapped = new ArrayList<>();
        int staying = ready.size() * viewersPerDevice;
        for (int k = 0; k < staying + (ready.isEmpty() ? 0 : probes); k++) {
            long due = start + k * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            Dev d = ready.get(k % ready.size());
            View v = new View(d, k >= staying);
            String headers = null;
            if (config.target() == Target.DOORWARD) {
                String origin = "https://localhost:" + config.pagePort();
                // One account per viewersPerAccount taps: each account's views stay within its allowance a minute.
                String cookie = config.cookies()
                        .get(Math.min(config.cookies().size() - 1, k / Math.max(1, config.viewersPerAccount())));
                headers = "Origin: " + origin + "\r\nCookie: " + cookie + "\r\n";
            }
            String path = config.target() == Target.DOORWARD ? "/api/live" : "/sub/" + d.id;
            v.ws = new WebSocketProtocol("localhost:" + config.viewerPort(), path, headers, v);
            v.tapNanos = System.nanoTime();
            TlsConnection.connect(
                    viewerLoops[k % viewerLoops.length],
                    viewerContext,
                    new InetSocketAddress(viewerHost == null ? config.host() : viewerHost, config.viewerPort()),
                    null,
                    v.ws,
                    k,
                    null,
                    engine -> engine.setSSLParameters(TlsContexts.parameters()));
            tapped.add(v);
            if (!v.probe) {
                viewers.add(v);
            }
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        Stats.Samples tap = new Stats.Samples();
        Stats.Samples watch = new Stats.Samples();
        Stats.Samples handshake = new Stats.Samples();
        Stats.Samples upgrade = new Stats.Samples();
        Stats.Samples openToFrame = new Stats.Samples();
        int open = 0;
        for (View v : tapped) {
            v.firstFrame.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            long done = v.firstKeyDoneNanos;
            if (done != 0) {
                tap.add(done - v.tapNanos);
                watch.add(v.firstKeyPartNanos - v.watchNanos);
                handshake.add(v.handshakeNanos - v.tapNanos);
                upgrade.add(v.openNanos - v.upgradeSentNanos);
                openToFrame.add(done - v.openNanos);
                open += v.probe ? 0 : 1;
            } else {
                failures.merge(
                        "viewer: " + (v.closed == null ? "no keyframe in time" : v.closed.replace(' ', '_')),
                        1,
                        Integer::sum);
            }
        }
        return new TapResult(
                viewers.size(),
                open,
                tapped.size(),
                tap.stats(),
                watch.stats(),
                handshake.stats(),
                upgrade.stats(),
                openToFrame.stats(),
                new TreeMap<>(failures));
    }

    /** Opens the measurement window: from now on, frames sent and bytes received count. */
    public void beginWindow() {
        latencies = new Stats.Samples();
        videoLatencies = new Stats.Samples();
        audioLatencies = new Stats.Samples();
        windowBytes.reset();
        windowFrames.reset();
        windowEnd = Long.MAX_VALUE;
        windowStart = System.nanoTime();
    }

    /** Closes the window now; {@link #result} waits {@code drainMillis} for frames still in flight. */
    public void endWindow() {
        windowEnd = System.nanoTime();
    }

    public WindowResult result(long drainMillis) throws InterruptedException {
        Thread.sleep(drainMillis);
        long expected = 0;
        int stillOpen = 0;
        int[] viewersOf = new int[devices.length];
        for (View v : viewers) {
            if (v.open && v.firstKeyDoneNanos != 0) {
                viewersOf[v.device.index]++;
                stillOpen++;
            }
        }
        CountDownLatch counted = new CountDownLatch(devices.length);
        long[] sent = new long[devices.length];
        for (Dev d : devices) {
            d.loop.execute(() -> {
                sent[d.index] = d.framesInWindow;
                counted.countDown();
            });
        }
        counted.await(5, TimeUnit.SECONDS);
        for (Dev d : devices) {
            expected += sent[d.index] * viewersOf[d.index];
        }
        double seconds = (windowEnd - windowStart) / 1e9;
        return new WindowResult(
                seconds,
                windowBytes.sum(),
                windowFrames.sum(),
                expected,
                latencies.stats(),
                videoLatencies.stats(),
                audioLatencies.stats(),
                deviceErrors.get(),
                stillOpen);
    }

    public Map<String, Integer> failures() {
        return new TreeMap<>(failures);
    }

    @Override
    public void close() {
        streaming = false;
        if (scheduler != null) {
            scheduler.interrupt();
        }
        for (Loop loop : deviceLoops) {
            loop.close();
        }
        for (Loop loop : viewerLoops) {
            loop.close();
        }
    }

    /** Viewers connect to {@code host} instead of the doorbells' host. */
    public void viewersOn(String host) {
        viewerHost = host;
    }
}

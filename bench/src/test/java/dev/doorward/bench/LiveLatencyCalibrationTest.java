package dev.doorward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Can the live scenario's latency numbers be trusted? A stand-in relay (real TLS, real WebSocket framing, the
 * hub's {@code /link} and {@code /api/live} messages) forwards every media part from a doorbell to its viewers
 * after a known, injected delay; the measured device send → viewer latency must grow by exactly that delay, and
 * neither it nor tap → first keyframe may be measured below it.
 */
class LiveLatencyCalibrationTest {
    private static final long INJECTED_MS = 5;
    private static final int DOORBELLS = 2;
    private static final int VIEWERS_PER_DOORBELL = 2;
    /** Taps that leave at their first keyframe: timed, but not in the window. */
    private static final int PROBES = 4;

    private static final String COOKIE = "session=calibration";

    @Test
    void measuredLiveLatencyMatchesAnInjectedDelay() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Calibration CA", Duration.ofDays(1), Clock.systemUTC(), new SecureRandom());
        Credential server = ca.issueServerCredential(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        Fleet fleet = Fleet.mint(ca, DOORBELLS);

        Run direct = measure(ca, server, fleet, 0);
        Run delayed = measure(ca, server, fleet, INJECTED_MS);
        System.out.println(direct.describe("direct"));
        System.out.println(delayed.describe("delayed " + INJECTED_MS + " ms"));

        for (Run run : List.of(direct, delayed)) {
            assertThat(run.tap().open()).isEqualTo(DOORBELLS * VIEWERS_PER_DOORBELL);
            assertThat(run.tap().taps()).isEqualTo(DOORBELLS * VIEWERS_PER_DOORBELL + PROBES);
            assertThat(run.tap().tapToFrame().count()).isEqualTo(run.tap().taps());
            assertThat(run.failures()).isEmpty();
            assertThat(run.window().deviceErrors()).isZero();
            assertThat(run.window().viewersStillOpen()).isEqualTo(DOORBELLS * VIEWERS_PER_DOORBELL);
            // At least half of what 10 video + 50 audio frames/s per doorbell would give over the window.
            assertThat(run.window().expectedFrames()).isGreaterThan(30L * DOORBELLS * VIEWERS_PER_DOORBELL);
            assertThat(run.window().frames()).isEqualTo(run.window().expectedFrames());
            assertThat((long) run.window().latency().count())
                    .isEqualTo(run.window().frames());
        }
        // Every media part waits the injected delay in the relay: no frame and no first keyframe arrives sooner.
        assertThat(delayed.window().latency().p50Ms()).isGreaterThanOrEqualTo(INJECTED_MS);
        assertThat(delayed.tap().tapToFrame().p50Ms()).isGreaterThanOrEqualTo(INJECTED_MS);
        // The difference is the delay, give or take scheduler jitter on a busy 2-core machine.
        assertThat(delayed.window().latency().p50Ms()
                        - direct.window().latency().p50Ms())
                .isBetween(INJECTED_MS - 0.5, INJECTED_MS + 2.0);
    }

    record Run(LiveGen.TapResult tap, LiveGen.WindowResult window, Map<String, Integer> failures) {
        String describe(String name) {
            return String.format(
                    Locale.ROOT,
                    "%s: viewers %d/%d, frames %d/%d, send → viewer p50 %.3f p99 %.3f (video %.3f, audio %.3f)"
                            + " max %.3f ms,"
                            + " tap → first keyframe p50 %.3f ms, watch → first keyframe part p50 %.3f ms",
                    name,
                    tap.open(),
                    tap.viewers(),
                    window.frames(),
                    window.expectedFrames(),
                    window.latency().p50Ms(),
                    window.latency().p99Ms(),
                    window.videoLatency().p99Ms(),
                    window.audioLatency().p99Ms(),
                    window.latency().maxMs(),
                    tap.tapToFrame().p50Ms(),
                    tap.watchToKeyframe().p50Ms());
        }
    }

    private static Run measure(CertificateAuthority ca, Credential server, Fleet fleet, long delayMs) throws Exception {
        try (FakeRelay relay = new FakeRelay(server, ca, delayMs)) {
            LiveGen.Config config = new LiveGen.Config(
                    LiveGen.Target.DOORWARD,
                    "127.0.0.1",
                    relay.devicePort(),
                    relay.viewerPort(),
                    relay.viewerPort(),
                    List.of(COOKIE),
                    25,
                    2,
                    new LiveGen.Media(10, 20, 15_000, 4_000, 50, 700));
            try (LiveGen gen = new LiveGen(config, fleet, DOORBELLS, VIEWERS_PER_DOORBELL)) {
                assertThat(gen.connectDevices(10_000)).isEqualTo(DOORBELLS);
                gen.startStreaming();
                Thread.sleep(500); // a first GOP exists before anyone watches
                LiveGen.TapResult tap = gen.openViewers(20, PROBES, 10_000);
                Thread.sleep(1_000); // settle (and warm up): every GOP re-send is over
                gen.beginWindow();
                Thread.sleep(2_500);
                gen.endWindow();
                LiveGen.WindowResult window = gen.result(500);
                return new Run(tap, window, gen.failures());
            }
        }
    }

    /**
     * Just enough of the hub's live relay: the device port (client certificate required, {@code /link}, {@code
     * hello} → {@code welcome}, the certificate's CN is the doorbell's id), the browser port ({@code /api/live}
     * with the session cookie and same-site {@code Origin}, {@code watch}), {@code live {viewers}} to the doorbell
     * whenever its viewer count changes, and every media part forwarded to the doorbell's viewers — each starting,
     * as on the hub, at the first part of a frame and for video at a keyframe — directly or after a delay.
     */
    static final class FakeRelay implements AutoCloseable {
        private static final Pattern WATCH = Pattern.compile("\"type\":\"watch\",\"deviceId\":\"([^\"]+)\"");

        private final StandInServer devices;
        private final StandInServer viewers;
        /** One thread: parts are forwarded in the order they came, each {@code delayMs} after it came. */
        private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();

        private final Map<String, Doorbell> doorbells = new ConcurrentHashMap<>();
        private final long delayMs;

        private record Doorbell(StandInServer.Connection link, Set<Watcher> watchers) {
            void tellViewerCount() {
                link.sendText(LinkCodec.encode(new LinkMessage.Live(watchers.size())));
            }
        }

        /** A viewer; its frame state is only touched by its doorbell's reading thread. */
        private static final class Watcher {
            final StandInServer.Connection socket;
            final boolean[] inFrame = new boolean[4];
            boolean needKeyframe = true;

            Watcher(StandInServer.Connection socket) {
                this.socket = socket;
            }

            /** Whether this part goes to this viewer: never the rest of a frame it did not see start. */
            boolean wants(MediaPart part) {
                int k = part.kind().code();
                if (part.first()) {
                    inFrame[k] = part.kind() != MediaPart.Kind.VIDEO || !needKeyframe || part.keyframe();
                    if (part.kind() == MediaPart.Kind.VIDEO && inFrame[k]) {
                        needKeyframe = false;
                    }
                }
                boolean wanted = inFrame[k];
                if (part.last()) {
                    inFrame[k] = false;
                }
                return wanted;
            }
        }

        FakeRelay(Credential server, CertificateAuthority ca, long delayMs) throws IOException {
            this.delayMs = delayMs;
            devices = new StandInServer(server, List.of(ca.certificate()), this::doorbell);
            viewers = new StandInServer(server, List.of(), this::viewer);
        }

        int devicePort() {
            return devices.port();
        }

        int viewerPort() {
            return viewers.port();
        }

        private void doorbell(StandInServer.Connection link) throws Exception {
            if (!link.path().equals("/link")) {
                link.refuse("404 Not Found");
                return;
            }
            String id = Certificates.commonName(link.peer()).orElseThrow();
            link.upgrade();
            Doorbell doorbell = null;
            try {
                StandInServer.Frame frame;
                while ((frame = link.read()) != null) {
                    if (frame.isText()) {
                        if (doorbell == null && LinkCodec.decodeFromDevice(frame.text()) instanceof LinkMessage.Hello) {
                            doorbell = new Doorbell(link, ConcurrentHashMap.newKeySet());
                            doorbells.put(id, doorbell);
                            link.sendText(LinkCodec.encode(new LinkMessage.Welcome(1, id, 30)));
                        }
                    } else if (frame.isBinary() && doorbell != null) {
                        forward(doorbell, frame.payload());
                    }
                }
            } finally {
                if (doorbell != null) {
                    doorbells.remove(id, doorbell);
                }
            }
        }

        /** Who gets the part is decided as it arrives (as the hub enqueues it); it is written now or later. */
        private void forward(Doorbell doorbell, byte[] message) {
            MediaPart part = MediaPart.decode(ByteBuffer.wrap(message));
            List<StandInServer.Connection> to =
                    new ArrayList<>(doorbell.watchers().size());
            for (Watcher w : doorbell.watchers()) {
                if (w.wants(part)) {
                    to.add(w.socket);
                }
            }
            if (to.isEmpty()) {
                return;
            }
            Runnable send = () -> to.forEach(v -> v.sendBinary(message));
            if (delayMs == 0) {
                send.run();
            } else {
                delayer.schedule(send, delayMs, TimeUnit.MILLISECONDS);
            }
        }

        private void viewer(StandInServer.Connection socket) throws Exception {
            String origin = "https://localhost:" + viewers.port();
            if (!socket.path().equals("/api/live")
                    || !COOKIE.equals(socket.header("Cookie"))
                    || !origin.equals(socket.header("Origin"))) {
                socket.refuse("403 Forbidden");
                return;
            }
            socket.upgrade();
            Watcher watcher = new Watcher(socket);
            Doorbell watched = null;
            try {
                StandInServer.Frame frame;
                while ((frame = socket.read()) != null) {
                    Matcher watch = frame.isText() ? WATCH.matcher(frame.text()) : null;
                    if (watched == null && watch != null && watch.find()) {
                        watched = doorbells.get(watch.group(1));
                        if (watched == null) {
                            socket.sendText("{\"type\":\"state\",\"state\":\"ended\",\"detail\":\"not found\"}");
                            return;
                        }
                        socket.sendText("{\"type\":\"state\",\"state\":\"not-in-roster\"}");
                        watched.watchers().add(watcher);
                        watched.tellViewerCount();
                    }
                }
            } finally {
                if (watched != null && watched.watchers().remove(watcher)) {
                    watched.tellViewerCount();
                }
            }
        }

        @Override
        public void close() throws IOException {
            devices.close();
            viewers.close();
            delayer.shutdownNow();
        }
    }
}

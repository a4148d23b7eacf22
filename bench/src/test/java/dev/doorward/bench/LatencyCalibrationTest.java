package dev.doorward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Can the load generator's latency numbers be trusted? A stand-in hub (real TLS, real WebSocket framing)
 * forwards each ring to the member sessions after a known, injected delay; the measured press → ring
 * latency must grow by exactly that delay, and never be below it.
 */
class LatencyCalibrationTest {
    private static final long INJECTED_MS = 5;

    @Test
    void measuredLatencyMatchesAnInjectedDelay() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Calibration CA", Duration.ofDays(1), Clock.systemUTC(), new SecureRandom());
        Credential server = ca.issueServerCredential(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        Fleet fleet = Fleet.mint(ca, 4);

        Stats direct = measure(ca, server, fleet, 0);
        Stats delayed = measure(ca, server, fleet, INJECTED_MS);

        assertThat(direct.count()).isEqualTo(200 * 2);
        assertThat(delayed.count()).isEqualTo(200 * 2);
        // Every sample includes the injected delay: nothing is measured shorter than it.
        assertThat(delayed.p50Ms()).isGreaterThanOrEqualTo(INJECTED_MS);
        // The difference is the delay, give or take scheduler jitter on a busy 2-core machine.
        assertThat(delayed.p50Ms() - direct.p50Ms()).isBetween(INJECTED_MS - 0.5, INJECTED_MS + 2.0);
    }

    private static Stats measure(CertificateAuthority ca, Credential server, Fleet fleet, long delayMs)
            throws Exception {
        try (FakeHub hub = new FakeHub(server, ca, delayMs)) {
            LoadGen.Config config = new LoadGen.Config(
                    LoadGen.Target.DOORWARD,
                    "127.0.0.1",
                    hub.devicePort(),
                    hub.memberPort(),
                    hub.memberPort(),
                    "session=calibration",
                    List.of(),
                    2,
                    30);
            try (LoadGen gen = new LoadGen(config, fleet, 4, 2)) {
                LoadGen.ConnectResult connected = gen.connectDevices(4, 4, 10_000);
                assertThat(connected.connected()).isEqualTo(4);
                assertThat(gen.openMembers(10_000)).isEqualTo(2);
                gen.ring(20, 100, 5_000); // warm-up
                LoadGen.RingResult ring = gen.ring(200, 200, 10_000);
                assertThat(ring.received()).isEqualTo(ring.expected());
                return ring.latency();
            }
        }
    }

    /** Just enough of a hub: device port with client certificates, member port, rings forwarded after a delay. */
    static final class FakeHub implements AutoCloseable {
        private final StandInServer devices;
        private final StandInServer members;
        private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();
        private final Set<StandInServer.Connection> memberStreams = ConcurrentHashMap.newKeySet();
        private final long delayMs;

        FakeHub(Credential server, CertificateAuthority ca, long delayMs) throws IOException {
            this.delayMs = delayMs;
            devices = new StandInServer(server, List.of(ca.certificate()), this::device);
            members = new StandInServer(server, List.of(), this::member);
        }

        int devicePort() {
            return devices.port();
        }

        int memberPort() {
            return members.port();
        }

        private void member(StandInServer.Connection member) throws IOException {
            member.upgrade();
            member.sendText("{\"type\":\"hello\"}");
            memberStreams.add(member);
            try {
                while (member.read() != null) {
                    // members only listen
                }
            } finally {
                memberStreams.remove(member);
            }
        }

        private void device(StandInServer.Connection device) throws IOException {
            device.upgrade();
            StandInServer.Frame frame;
            while ((frame = device.read()) != null) {
                String text = frame.text();
                if (text.contains("\"type\":\"hello\"")) {
                    device.sendText("{\"v\":1,\"type\":\"welcome\",\"body\":{\"version\":1,\"heartbeatSeconds\":30}}");
                } else if (text.contains("\"type\":\"event\"")) {
                    String eventId = LoadGen.eventIdIn(text);
                    String ring = "{\"type\":\"ring\",\"deviceId\":\"x\",\"eventId\":\"" + eventId + "\"}";
                    Runnable fanOut = () -> memberStreams.forEach(m -> m.sendText(ring));
                    if (delayMs == 0) {
                        fanOut.run();
                    } else {
                        delayer.schedule(fanOut, delayMs, TimeUnit.MILLISECONDS);
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            devices.close();
            members.close();
            delayer.shutdownNow();
        }
    }
}

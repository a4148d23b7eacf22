package dev.doorward.hub.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration stops the hub at start-up with a message that names the problem. */
class HubConfigurationTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownKeyIsATypoNotADefault() {
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.let-everyone-in", "true")))
                .hasStackTraceContaining("let-everyone-in");
    }

    @Test
    void aWrongValueIsRefused() {
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.heartbeat-seconds", "1")))
                .hasStackTraceContaining("heartbeat-seconds");
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.claim-ticket-ttl", "2h")))
                .hasStackTraceContaining("claim-ticket-ttl");
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.addresses.device", "doorbells.example")))
                .hasStackTraceContaining("doorward.addresses.device must be an IP address");
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.addresses.live", "300.1.1.1")))
                .hasStackTraceContaining("doorward.addresses.live is not a valid IP address");
    }

    @Test
    void sessionLifetimesOutOfRangeAreRefused() {
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.sessions.idle", "10s")))
                .hasStackTraceContaining("doorward.sessions.idle");
        // An absolute limit shorter than the idle period would make the idle period a lie.
        assertThatThrownBy(() ->
                        TestHub.start(dir, Map.of("doorward.sessions.idle", "30d", "doorward.sessions.absolute", "7d")))
                .hasStackTraceContaining("doorward.sessions.absolute");
        assertThatThrownBy(() -> TestHub.start(dir, Map.of("doorward.sessions.absolute", "400d")))
                .hasStackTraceContaining("doorward.sessions.absolute");
    }

    @Test
    void aManufacturerCaThatIsNotOneIsRefused() {
        assertThatThrownBy(() -> TestHub.start(
                        dir,
                        Map.of(
                                "doorward.manufacturer-ca-certificate",
                                dir.resolve("missing.crt").toString())))
                .hasStackTraceContaining("missing.crt");
    }
}

package dev.doorward.hub.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which operational certificates a registered doorbell may connect with (the link checks these first). */
class CertificateAcceptanceTest {
    private static final Instant RECORDED_EXPIRY = Instant.parse("2026-12-10T00:00:00Z");
    private final Devices.Device device = new Devices.Device(
            "device-id",
            "household-id",
            "SERIAL-1",
            "Front door",
            "b2",
            RECORDED_EXPIRY,
            Instant.parse("2026-11-01T00:00:00Z"),
            null,
            null,
            null,
            "a1",
            null);

    @Test
    void theRecordedCertificateAndTheOneBeforeItsRenewalAreAccepted() {
        assertThat(device.acceptsCertificate("b2", RECORDED_EXPIRY)).isTrue();
        assertThat(device.acceptsCertificate("a1", RECORDED_EXPIRY.minus(Duration.ofDays(3))))
                .isTrue();
        assertThat(device.issuedAfterTheRecordedOne("b2", RECORDED_EXPIRY)).isFalse();
    }

    @Test
    void aLaterCertificateTheDatabaseForgotIsAcceptedAnOlderOneNever() {
        // Issued by this hub after the recorded one: the database was restored from an older backup.
        assertThat(device.acceptsCertificate("c3", RECORDED_EXPIRY.plus(Duration.ofDays(3))))
                .isTrue();
        assertThat(device.issuedAfterTheRecordedOne("c3", RECORDED_EXPIRY.plus(Duration.ofDays(3))))
                .isTrue();
        // An unknown certificate that is not newer: an old copy from before the previous renewal.
        assertThat(device.acceptsCertificate("99", RECORDED_EXPIRY)).isFalse();
        assertThat(device.acceptsCertificate("98", RECORDED_EXPIRY.minus(Duration.ofDays(7))))
                .isFalse();
    }
}

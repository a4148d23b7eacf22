package dev.doorward.device.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.device.TestPki;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.pairing.ClaimCodeSightings.Decision;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.testing.MutableClock;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClaimCodeSightingsTest {
    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();
    private final CertificateAuthority ownHub = TestPki.hubCa(clock, random);
    private final ClaimCodeSightings sightings = new ClaimCodeSightings(clock);

    private Ownership owned() {
        String deviceId = RandomIds.newId();
        return Ownership.owned(
                deviceId,
                URI.create("wss://hub.home.arpa/device"),
                ownHub.certificate(),
                TestPki.operational(ownHub, KeyPairs.newP256(random).getPublic(), deviceId),
                "-",
                clock.instant());
    }

    private static ClaimCode code(String caFingerprint) {
        return new ClaimCode(
                RandomIds.newId(), caFingerprint, RandomIds.newSecret(), URI.create("wss://evil.example/device"));
    }

    @Test
    void aFactoryNewDeviceClaimsEachCodeOnce() {
        ClaimCode code = code(ownHub.fingerprint());

        assertThat(sightings.sighted(code.format(), Ownership.factoryNew())).isEqualTo(new Decision.Claim(code));
        assertThat(sightings.sighted(code.format(), Ownership.factoryNew())).isInstanceOf(Decision.Ignore.class);
    }

    @Test
    void anOwnedDeviceNeverClaimsAndReportsTheTicketToItsOwnHub() {
        ClaimCode code = code(ownHub.fingerprint());

        Decision decision = sightings.sighted(code.format(), owned());

        assertThat(decision).isEqualTo(new Decision.Report(EventKind.CLAIM_REFUSED, "ticket:" + code.ticket()));
        assertThat(decision.toString()).doesNotContain(code.ticket());
    }

    @Test
    void aDeviceWithAPendingResetStillNeverClaims() {
        Ownership pending = owned().withResetPending(clock.instant().plusSeconds(3600));
        ClaimCode own = code(ownHub.fingerprint());
        ClaimCode foreign = code(TestPki.hubCa(clock, random).fingerprint());

        assertThat(sightings.sighted(own.format(), pending))
                .isEqualTo(new Decision.Report(EventKind.CLAIM_REFUSED, "ticket:" + own.ticket()));
        assertThat(sightings.sighted(foreign.format(), pending))
                .isEqualTo(new Decision.Report(EventKind.CLAIM_REFUSED, "foreign-hub"));
    }

    @Test
    void anOwnedDeviceTellsItsHubNothingFromAForeignHubsCode() {
        ClaimCode code = code(TestPki.hubCa(clock, random).fingerprint());

        Decision decision = sightings.sighted(code.format(), owned());

        assertThat(decision).isEqualTo(new Decision.Report(EventKind.CLAIM_REFUSED, "foreign-hub"));
    }

    @Test
    void eachCodeIsReportedOnceThoughItStaysInFrontOfTheCamera() {
        Ownership owned = owned();
        ClaimCode code = code(ownHub.fingerprint());
        sightings.sighted(code.format(), owned);

        for (int frame = 0; frame < 50; frame++) {
            assertThat(sightings.sighted(code.format(), owned)).isInstanceOf(Decision.Ignore.class);
        }
        assertThat(sightings.sighted(code(ownHub.fingerprint()).format(), owned))
                .isInstanceOf(Decision.Report.class);
    }

    @Test
    void otherQrCodesAreIgnored() {
        assertThat(sightings.sighted("https://example.org", Ownership.factoryNew()))
                .isInstanceOf(Decision.Ignore.class);
        assertThat(sightings.sighted("DOORWARD-SETUP:1:DW-AAAAAAAAAAAA:1234567890", owned()))
                .isInstanceOf(Decision.Ignore.class);
        assertThat(sightings.sighted("DOORWARD-CLAIM:1:short:x:y:wss://h", owned()))
                .isInstanceOf(Decision.Ignore.class);
    }

    @Test
    void aClaimThatCouldNotReachItsHubMayBeRetriedLater() {
        ClaimCode code = code(ownHub.fingerprint());
        sightings.sighted(code.format(), Ownership.factoryNew());
        sightings.retryFrom(code.ticket(), clock.instant().plusSeconds(5));

        assertThat(sightings.sighted(code.format(), Ownership.factoryNew())).isInstanceOf(Decision.Ignore.class);
        clock.advance(Duration.ofSeconds(5));
        assertThat(sightings.sighted(code.format(), Ownership.factoryNew())).isInstanceOf(Decision.Claim.class);
    }
}

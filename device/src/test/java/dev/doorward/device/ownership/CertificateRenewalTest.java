package dev.doorward.device.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.device.TestPki;
import dev.doorward.device.ownership.CertificateRenewal.Verdict;
import dev.doorward.protocol.testing.MutableClock;
import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateRenewalTest {
    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();
    private final CertificateAuthority hubCa = TestPki.hubCa(clock, random);
    private final KeyPair deviceKeys = KeyPairs.newP256(random);
    private final String deviceId = RandomIds.newId(random);

    private Ownership owned(X509Certificate operational) {
        return Ownership.owned(
                deviceId,
                URI.create("wss://hub.home.arpa/device"),
                hubCa.certificate(),
                operational,
                "-",
                clock.instant());
    }

    private Verdict verify(X509Certificate renewed) {
        Ownership owned = owned(TestPki.operational(hubCa, deviceKeys.getPublic(), deviceId));
        return CertificateRenewal.verify(Pem.certificate(renewed), owned, deviceKeys.getPublic(), clock.instant());
    }

    @Test
    void isDueOnceLessThanHalfOfTheLifetimeIsLeft() {
        // Issued with 5 minutes of back-dating for clock skew: lifetime 100 min + 5 min.
        X509Certificate certificate =
                hubCa.issueOperationalCertificate(deviceKeys.getPublic(), deviceId, Duration.ofMinutes(100));

        assertThat(CertificateRenewal.due(certificate, clock.instant())).isFalse();
        clock.advance(Duration.ofMinutes(47)); // 53 min left of 105
        assertThat(CertificateRenewal.due(certificate, clock.instant())).isFalse();
        clock.advance(Duration.ofMinutes(1)); // 52 min left of 105
        assertThat(CertificateRenewal.due(certificate, clock.instant())).isTrue();
        clock.advance(Duration.ofDays(1)); // expired: due all the more
        assertThat(CertificateRenewal.due(certificate, clock.instant())).isTrue();
    }

    @Test
    void acceptsAnOperationalCertificateForItsKeyAndIdFromItsHub() {
        X509Certificate renewed = TestPki.operational(hubCa, deviceKeys.getPublic(), deviceId);

        assertThat(verify(renewed)).isEqualTo(new Verdict.Accepted(renewed));
    }

    @Test
    void refusesACertificateForAnotherKey() {
        X509Certificate renewed =
                TestPki.operational(hubCa, KeyPairs.newP256(random).getPublic(), deviceId);

        assertThat(verify(renewed)).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void refusesACertificateFromAnotherCa() {
        X509Certificate renewed = TestPki.operational(TestPki.hubCa(clock, random), deviceKeys.getPublic(), deviceId);

        assertThat(verify(renewed)).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void refusesACertificateNamingAnotherDevice() {
        X509Certificate renewed = TestPki.operational(hubCa, deviceKeys.getPublic(), RandomIds.newId(random));

        assertThat(verify(renewed)).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void refusesWhatIsNotAnOperationalCertificate() {
        X509Certificate server = hubCa.issueServerCredential(List.of("127.0.0.1"), Duration.ofDays(30))
                .certificate();

        assertThat(verify(server)).isInstanceOf(Verdict.Refused.class);
        assertThat(verify(hubCa.certificate())).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void refusesACertificateNotValidNow() {
        X509Certificate renewed =
                hubCa.issueOperationalCertificate(deviceKeys.getPublic(), deviceId, Duration.ofMinutes(10));
        clock.advance(Duration.ofHours(1));

        assertThat(verify(renewed)).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void refusesSomethingThatIsNoCertificate() {
        Ownership owned = owned(TestPki.operational(hubCa, deviceKeys.getPublic(), deviceId));

        assertThat(CertificateRenewal.verify(
                        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                        owned,
                        deviceKeys.getPublic(),
                        clock.instant()))
                .isInstanceOf(Verdict.Refused.class);
        assertThat(CertificateRenewal.verify(
                        Pem.certificate(hubCa.certificate()),
                        Ownership.factoryNew(),
                        deviceKeys.getPublic(),
                        clock.instant()))
                .isInstanceOf(Verdict.Refused.class);
    }
}

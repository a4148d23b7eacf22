package dev.doorward.device;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;

/** A hub CA for tests that play the hub. */
public final class TestPki {
    private TestPki() {}

    public static CertificateAuthority hubCa(Clock clock, SecureRandom random) {
        return CertificateAuthority.create(CertificateKind.HUB_CA, "Test Hub CA", Duration.ofDays(365), clock, random);
    }

    public static X509Certificate operational(CertificateAuthority hubCa, PublicKey deviceKey, String deviceId) {
        return hubCa.issueOperationalCertificate(deviceKey, deviceId, Duration.ofDays(365));
    }
}

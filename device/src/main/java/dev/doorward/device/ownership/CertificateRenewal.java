package dev.doorward.device.ownership;

import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Pem;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * When an owned device asks its hub for a fresh operational certificate, and what it accepts in return.
 * Operational certificates are short-lived; the device renews once less than half of the lifetime is left.
 */
public final class CertificateRenewal {
    /** How often a connected device looks again, besides after every welcome. */
    public static final Duration CHECK_EVERY = Duration.ofDays(1);

    private CertificateRenewal() {}

    /** True if less than half of the certificate's lifetime (notBefore to notAfter) is left at {@code now}. */
    public static boolean due(X509Certificate certificate, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        Duration lifetime = Duration.between(notBefore, notAfter);
        Duration left = Duration.between(now, notAfter);
        return left.multipliedBy(2).compareTo(lifetime) < 0;
    }

    /** The outcome of checking a renewed certificate: the certificate, or why it was refused. */
    public sealed interface Verdict {
        record Accepted(X509Certificate certificate) implements Verdict {}

        record Refused(String why) implements Verdict {}
    }

    /**
     * Checks what the hub sent as the device's renewed operational certificate: an operational certificate,
     * issued by the hub CA the device pinned at claim time, for the device's own key, naming its device id,
     * valid now. Anything else is refused and must not be stored.
     */
    public static Verdict verify(String pem, Ownership ownership, PublicKey deviceKey, Instant now) {
        if (!ownership.isOwned()) {
            return new Verdict.Refused("not owned");
        }
        X509Certificate renewed;
        try {
            renewed = Pem.parseCertificate(pem);
        } catch (RuntimeException e) {
            return new Verdict.Refused("unreadable certificate");
        }
        if (Certificates.kind(renewed) != CertificateKind.OPERATIONAL) {
            return new Verdict.Refused("not an operational certificate");
        }
        if (!Certificates.isIssuedBy(renewed, ownership.hubCa())) {
            return new Verdict.Refused("not issued by the pinned hub CA");
        }
        if (!Arrays.equals(renewed.getPublicKey().getEncoded(), deviceKey.getEncoded())) {
            return new Verdict.Refused("certificate is for another key");
        }
        if (!Certificates.commonName(renewed).equals(Optional.of(ownership.deviceId()))) {
            return new Verdict.Refused("certificate names another device");
        }
        if (!Certificates.isValidAt(renewed, now)) {
            return new Verdict.Refused("certificate not valid now");
        }
        return new Verdict.Accepted(renewed);
    }
}

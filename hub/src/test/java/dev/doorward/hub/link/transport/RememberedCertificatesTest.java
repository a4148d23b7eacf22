package dev.doorward.hub.link.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.testing.MutableClock;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class RememberedCertificatesTest {
    private static final SecureRandom random = new SecureRandom();

    private final CertificateAuthority ca = CertificateAuthority.create(
            CertificateKind.HUB_CA, "Remembering CA", Duration.ofDays(30), Clock.systemUTC(), random);
    private final KeyPair keys = KeyPairs.newP256(random);
    private final AtomicInteger fullChecks = new AtomicInteger();
    private final X509TrustManager counted = counting(TlsContexts.clientTrustManager(List.of(ca.certificate())));

    @Test
    void aChainThatPassedIsNotCheckedAgainButAnotherIs() throws Exception {
        RememberedCertificates trust = new RememberedCertificates(counted, Clock.systemUTC());
        X509Certificate first = ca.issueOperationalCertificate(keys.getPublic(), "device-a", Duration.ofDays(1));
        X509Certificate second = ca.issueOperationalCertificate(keys.getPublic(), "device-b", Duration.ofDays(1));

        trust.checkClientTrusted(new X509Certificate[] {first}, "UNKNOWN");
        trust.checkClientTrusted(new X509Certificate[] {first}, "UNKNOWN");
        trust.checkClientTrusted(new X509Certificate[] {first}, "UNKNOWN");
        assertThat(fullChecks).hasValue(1);

        trust.checkClientTrusted(new X509Certificate[] {second}, "UNKNOWN");
        assertThat(fullChecks).hasValue(2);
        assertThat(trust.remembered()).isEqualTo(2);
    }

    @Test
    void aChainThatFailedIsCheckedInFullEveryTime() throws Exception {
        RememberedCertificates trust = new RememberedCertificates(counted, Clock.systemUTC());
        CertificateAuthority stranger = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Remembering CA", Duration.ofDays(30), Clock.systemUTC(), random);
        X509Certificate forged = stranger.issueOperationalCertificate(keys.getPublic(), "device-a", Duration.ofDays(1));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[] {forged}, "UNKNOWN"))
                    .isInstanceOf(CertificateException.class);
        }
        assertThat(fullChecks).hasValue(3);
        assertThat(trust.remembered()).isZero();
    }

    @Test
    void aRememberedCertificateIsCheckedInFullAgainOnceItExpires() throws Exception {
        X509Certificate shortLived = ca.issueOperationalCertificate(keys.getPublic(), "device-a", Duration.ofHours(1));
        MutableClock clock = new MutableClock(Instant.now());
        RememberedCertificates trust = new RememberedCertificates(counted, clock);
        trust.checkClientTrusted(new X509Certificate[] {shortLived}, "UNKNOWN");

        trust.checkClientTrusted(new X509Certificate[] {shortLived}, "UNKNOWN");
        assertThat(fullChecks).hasValue(1);

        clock.now = shortLived.getNotAfter().toInstant().plusSeconds(1);
        // Outside the remembered window the full check runs again (which, at that time, refuses it).
        trust.checkClientTrusted(new X509Certificate[] {shortLived}, "UNKNOWN");
        assertThat(fullChecks).hasValue(2);
    }

    private X509TrustManager counting(X509TrustManager delegate) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                fullChecks.incrementAndGet();
                delegate.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                delegate.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return delegate.getAcceptedIssuers();
            }
        };
    }

    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

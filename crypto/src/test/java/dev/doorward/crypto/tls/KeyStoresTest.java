package dev.doorward.crypto.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyStoresTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void keyStoreHoldsTheCredentialUnderItsAlias() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Hub", Duration.ofDays(1), Clock.systemUTC(), RANDOM);
        Credential credential = ca.issueServerCredential(List.of("hub.local"), Duration.ofDays(1));
        char[] password = "changeit".toCharArray();

        KeyStore store = KeyStores.keyStore(credential, password);

        assertThat(store.getType()).isEqualToIgnoringCase("PKCS12");
        assertThat(Collections.list(store.aliases())).containsExactly("doorward");
        assertThat(store.getKey("doorward", password).getEncoded())
                .isEqualTo(credential.privateKey().getEncoded());
        assertThat(store.getCertificateChain("doorward")).containsExactlyElementsOf(credential.chain());
    }

    @Test
    void trustStoreHoldsOnlyTrustedCertificates() throws Exception {
        CertificateAuthority one = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, "M", Duration.ofDays(1), Clock.systemUTC(), RANDOM);
        CertificateAuthority two =
                CertificateAuthority.create(CertificateKind.HUB_CA, "H", Duration.ofDays(1), Clock.systemUTC(), RANDOM);

        KeyStore store = KeyStores.trustStore(List.of(one.certificate(), two.certificate()));

        assertThat(store.size()).isEqualTo(2);
        assertThat(store.isCertificateEntry("ca-0")).isTrue();
        assertThat(store.getCertificate("ca-0")).isEqualTo(one.certificate());
        assertThat(store.getCertificate("ca-1")).isEqualTo(two.certificate());
    }
}

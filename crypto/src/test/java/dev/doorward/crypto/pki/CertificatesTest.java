package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class CertificatesTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void foreignSubjectsAreUnknown() {
        var foreign = TestCertificates.selfSigned(
                        "CN=DW-1,OU=doorward-device,O=Acme", KeyPurposeId.id_kp_clientAuth, false, List.of(), RANDOM)
                .certificate();
        assertThat(Certificates.kind(foreign)).isEqualTo(CertificateKind.UNKNOWN);
        assertThat(Certificates.commonName(foreign)).contains("DW-1");
    }

    @Test
    void anOrganizationalUnitThatContradictsTheBasicConstraintsIsUnknown() {
        var caCalledDevice = TestCertificates.selfSigned(
                        "CN=DW-1,OU=doorward-device,O=Doorward", KeyPurposeId.id_kp_clientAuth, true, List.of(), RANDOM)
                .certificate();
        var leafCalledCa = TestCertificates.selfSigned(
                        "CN=x,OU=doorward-hub-ca,O=Doorward", KeyPurposeId.id_kp_clientAuth, false, List.of(), RANDOM)
                .certificate();
        assertThat(Certificates.kind(caCalledDevice)).isEqualTo(CertificateKind.UNKNOWN);
        assertThat(Certificates.kind(leafCalledCa)).isEqualTo(CertificateKind.UNKNOWN);
    }

    @Test
    void aSelfSignedLookalikeIsADeviceByNameOnly() {
        // kind() reads the name; only chain validation establishes trust (see TlsHandshakeTest).
        var lookalike = TestCertificates.selfSigned(
                        "CN=DW-1,OU=doorward-device,O=Doorward",
                        KeyPurposeId.id_kp_clientAuth,
                        false,
                        List.of(),
                        RANDOM)
                .certificate();
        assertThat(Certificates.kind(lookalike)).isEqualTo(CertificateKind.DEVICE);
        assertThat(Certificates.commonName(lookalike)).contains("DW-1");
    }

    @Test
    void noCommonNameIsEmpty() {
        var noCn = TestCertificates.selfSigned("O=Doorward", KeyPurposeId.id_kp_clientAuth, false, List.of(), RANDOM)
                .certificate();
        assertThat(Certificates.commonName(noCn)).isEmpty();
    }
}

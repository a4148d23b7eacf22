package dev.doorward.crypto.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SetupVerifierTest {

    private static final String SERIAL = "DW-000123";
    private static final String CODE = "8203945716";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static SetupVerifier verifier;

    @BeforeAll
    static void create() {
        verifier = SetupVerifier.create(SERIAL, CODE, RANDOM);
    }

    @Test
    void encodeDecodeRoundTrips() {
        String encoded = verifier.encode();

        assertThat(encoded).startsWith("v1:").doesNotContain("\n").doesNotContain("=");
        assertThat(encoded.split(":")).hasSize(3);
        SetupVerifier decoded = SetupVerifier.decode(encoded);
        assertThat(decoded).isEqualTo(verifier);
        assertThat(decoded.salt()).hasSize(16).isEqualTo(verifier.salt());
        assertThat(decoded.verifier()).hasSize(256).isEqualTo(verifier.verifier());
    }

    @Test
    void neitherFormContainsTheCode() {
        assertThat(verifier.encode()).doesNotContain(CODE).doesNotContain(SERIAL);
        assertThat(verifier.toString())
                .isEqualTo("SetupVerifier[REDACTED]")
                .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(verifier.verifier()));
    }

    @Test
    void eachVerifierHasItsOwnSalt() {
        SetupVerifier again = SetupVerifier.create(SERIAL, "82039-45716", RANDOM);
        assertThat(again.salt()).isNotEqualTo(verifier.salt());
        assertThat(again.verifier()).isNotEqualTo(verifier.verifier());
    }

    @Test
    void trivialOrMalformedCodesAreRefused() {
        assertThatThrownBy(() -> SetupVerifier.create(SERIAL, "1234567890", RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("1234567890");
        assertThatThrownBy(() -> SetupVerifier.create(SERIAL, "820394571", RANDOM))
                .hasMessage("A setup code has 10 digits");
        assertThatThrownBy(() -> SetupVerifier.create("", CODE, RANDOM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodeRefusesMalformedTextWithoutEchoingIt() {
        String encoded = verifier.encode();
        String[] parts = encoded.split(":");
        for (String bad : new String[] {
            "",
            "v1",
            "v2:" + parts[1] + ":" + parts[2],
            parts[1] + ":" + parts[2],
            encoded + ":x",
            "v1:" + parts[1] + ":" + parts[2] + "!",
            "v1:AAAA:" + parts[2],
            "v1:" + parts[1] + ":AA",
            "v1:" + parts[1] + ":" + "_".repeat(342)
        }) {
            assertThatThrownBy(() -> SetupVerifier.decode(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Malformed setup verifier");
        }
        assertThatThrownBy(() -> SetupVerifier.decode(null)).hasMessage("Malformed setup verifier");
    }

    @Test
    void accessorsReturnCopies() {
        verifier.salt()[0] ^= 1;
        verifier.verifier()[0] ^= 1;
        assertThat(SetupVerifier.decode(verifier.encode())).isEqualTo(verifier);
    }
}

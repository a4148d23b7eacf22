package dev.doorward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HashesTest {

    @Test
    void sha256MatchesTheStandardTestVector() {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(HexFormat.of().formatHex(Hashes.sha256(abc)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Hashes.sha256("a".getBytes(StandardCharsets.US_ASCII), "bc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(Hashes.sha256(abc));
        assertThat(Hashes.sha256Base64Url(abc)).isEqualTo("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    @Test
    void sha1MatchesTheStandardTestVector() {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(HexFormat.of().formatHex(Hashes.sha1ForLegacyProtocol(abc)))
                .isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        assertThat(Hashes.sha1ForLegacyProtocol(
                        "a".getBytes(StandardCharsets.US_ASCII), "bc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(Hashes.sha1ForLegacyProtocol(abc));
    }

    @Test
    void md5MatchesTheStandardTestVector() {
        assertThat(HexFormat.of().formatHex(Hashes.md5ForLegacyProtocol("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("900150983cd24fb0d6963f7d28e17f72");
    }

    @Test
    void constantTimeEqualsTreatsNullAsNeverEqual() {
        assertThat(Hashes.constantTimeEquals(new byte[] {1, 2}, new byte[] {1, 2}))
                .isTrue();
        assertThat(Hashes.constantTimeEquals(new byte[] {1, 2}, new byte[] {1, 3}))
                .isFalse();
        assertThat(Hashes.constantTimeEquals(new byte[] {1, 2}, new byte[] {1})).isFalse();
        assertThat(Hashes.constantTimeEquals((byte[]) null, null)).isFalse();
        assertThat(Hashes.constantTimeEquals(new byte[0], null)).isFalse();
        assertThat(Hashes.constantTimeEquals("grüße", "grüße")).isTrue();
        assertThat(Hashes.constantTimeEquals("token", "Token")).isFalse();
        assertThat(Hashes.constantTimeEquals((String) null, null)).isFalse();
    }
}

package dev.doorward.crypto.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The derivations are fixed: the cluster launcher writes the NATS password from the same secret, possibly in another
 * language. The expected values were computed independently (Python's hmac/hashlib, HKDF per RFC 5869).
 */
class ClusterKeysTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void theNatsPasswordAndMessageKeyAreHkdfOfTheJoinSecret() {
        assertThat(ClusterKeys.natsPassword(SECRET)).isEqualTo("HNw7e8YHs3bw5cw9DuXBHksoHEKtQMcIvqVGhyglFiY");
        assertThat(HexFormat.of().formatHex(ClusterKeys.messageKey(SECRET)))
                .isEqualTo("100f4b133ed3c07c21c3b69844c5f84ce9eed63141d29a1f40c791a16d43b5c5");
    }

    @Test
    void aMessageVerifiesOnlyUnderItsKeyAndUnchanged() {
        byte[] key = ClusterKeys.messageKey(SECRET);
        byte[] message = "{\"hello\":1}".getBytes(StandardCharsets.US_ASCII);
        byte[] mac = ClusterKeys.mac(key, message);
        assertThat(HexFormat.of().formatHex(mac))
                .isEqualTo("1eb03ddd7a038179011183f38a3e5090e6da902970084eaab8fc1da2a50dee0a");
        assertThat(ClusterKeys.verify(key, message, mac)).isTrue();
        assertThat(ClusterKeys.verify(key, "{\"hello\":2}".getBytes(StandardCharsets.US_ASCII), mac))
                .isFalse();
        byte[] otherKey =
                ClusterKeys.messageKey("another secret of 32 bytes or more".getBytes(StandardCharsets.US_ASCII));
        assertThat(ClusterKeys.verify(otherKey, message, mac)).isFalse();
    }
}

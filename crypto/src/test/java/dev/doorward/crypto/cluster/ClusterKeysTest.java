package dev.doorward.crypto.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The derivations are fixed: the cluster launcher writes the NATS password from the same secret, possibly in another
 * language. The expected values were computed independently (Python's hmac/hashlib, HKDF per RFC 5869: salt
 * "doorward-cluster-join-secret-v1", info "doorward/nats password" and "doorward/cluster messages").
 */
class ClusterKeysTest {
    private static final JoinSecret SECRET =
            JoinSecret.of("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    @Test
    void theNatsPasswordAndMessageKeyAreHkdfOfTheJoinSecret() {
        assertThat(ClusterKeys.natsPassword(SECRET)).isEqualTo("sLEwxX54GV9p7mEU_I-x2A6uCQPqacIT2y18GJw247c");
        assertThat(HexFormat.of().formatHex(ClusterKeys.messageKey(SECRET)))
                .isEqualTo("7c20cf3e765190a97817455cda2a8f36b7c504bfa4b11fabb419c44a4751aef1");
    }

    @Test
    void aMessageVerifiesOnlyUnderItsKeyAndUnchanged() {
        byte[] key = ClusterKeys.messageKey(SECRET);
        byte[] message = "{\"hello\":1}".getBytes(StandardCharsets.US_ASCII);
        byte[] mac = ClusterKeys.mac(key, message);
        assertThat(HexFormat.of().formatHex(mac))
                .isEqualTo("13c9f558520aa03d5c2b9fd8aa0920cf8fa3c8303fc47a3410d7f00930dba94b");
        assertThat(ClusterKeys.verify(key, message, mac)).isTrue();
        assertThat(ClusterKeys.verify(key, "{\"hello\":2}".getBytes(StandardCharsets.US_ASCII), mac))
                .isFalse();
        byte[] otherKey = ClusterKeys.messageKey(
                JoinSecret.of("another secret of 32 bytes or more".getBytes(StandardCharsets.US_ASCII)));
        assertThat(ClusterKeys.verify(otherKey, message, mac)).isFalse();
    }
}

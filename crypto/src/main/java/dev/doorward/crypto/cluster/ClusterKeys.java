package dev.doorward.crypto.cluster;

import dev.doorward.crypto.Hashes;
import java.util.Base64;

/**
 * What the cluster's nodes derive from their shared join secret, and the MAC their messages carry. Each use has a key
 * of its own (HKDF-SHA-256, empty salt, the info string below, 32 bytes), so knowing one reveals nothing of another:
 *
 * <ul>
 *   <li>the NATS password ({@value #NATS_PASSWORD_INFO}), base64url without padding: the nodes log in to NATS as user
 *       {@value #NATS_USER} with it, and the cluster launcher writes it into the NATS servers' configuration;
 *   <li>the message key ({@value #MESSAGE_KEY_INFO}): HMAC-SHA-256 over every message between nodes.
 * </ul>
 */
public final class ClusterKeys {
    public static final String NATS_USER = "doorward";
    static final String NATS_PASSWORD_INFO = "nats password";
    static final String MESSAGE_KEY_INFO = "cluster messages";
    /** Length of {@link #mac}'s output. */
    public static final int MAC_LENGTH = 32;

    private ClusterKeys() {}

    /** The password every node gives NATS (as user {@value #NATS_USER}). */
    public static String natsPassword(JoinSecret joinSecret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(joinSecret.derive(NATS_PASSWORD_INFO));
    }

    /** The key the nodes' messages are authenticated with. */
    public static byte[] messageKey(JoinSecret joinSecret) {
        return joinSecret.derive(MESSAGE_KEY_INFO);
    }

    /** HMAC-SHA-256 of a message under the message key. */
    public static byte[] mac(byte[] messageKey, byte[] message) {
        return Hashes.hmacSha256(messageKey, message);
    }

    /** Whether {@code mac} is the message's MAC, compared in constant time. */
    public static boolean verify(byte[] messageKey, byte[] message, byte[] mac) {
        return Hashes.constantTimeEquals(mac(messageKey, message), mac);
    }
}

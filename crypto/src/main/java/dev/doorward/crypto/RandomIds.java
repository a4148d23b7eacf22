package dev.doorward.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/** Random identifiers and secrets. Ids are never derived from serials, MACs or counters. */
public final class RandomIds {

    private static final SecureRandom SHARED = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final int ID_BYTES = 16;
    private static final int SECRET_BYTES = 32;
    private static final int ID_LENGTH = 22;

    private RandomIds() {}

    /** 128 random bits as 22 characters of base64url. */
    public static String newId() {
        return newId(SHARED);
    }

    public static String newId(SecureRandom random) {
        return random(random, ID_BYTES);
    }

    /** 256 random bits as 43 characters of base64url, for tokens and other bearer secrets. */
    public static String newSecret() {
        return newSecret(SHARED);
    }

    public static String newSecret(SecureRandom random) {
        return random(random, SECRET_BYTES);
    }

    /** Cheap syntactic check so malformed ids are rejected before they reach a lookup. */
    public static boolean isWellFormedId(String candidate) {
        if (candidate == null || candidate.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < ID_LENGTH; i++) {
            char c = candidate.charAt(i);
            boolean ok =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String random(SecureRandom random, int bytes) {
        byte[] buffer = new byte[bytes];
        random.nextBytes(buffer);
        return ENCODER.encodeToString(buffer);
    }
}

package dev.doorward.device;

import java.security.SecureRandom;

/** A seeded SecureRandom, so a failing test can be repeated. Never for production. */
public final class TestRandom {
    private TestRandom() {}

    public static SecureRandom seeded(long seed) {
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            return random;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

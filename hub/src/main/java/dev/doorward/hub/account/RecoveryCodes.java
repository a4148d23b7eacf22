package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One-time secrets that let someone back into an account: the owner's recovery code and the re-entry links an
 * admin issues. Only their SHA-256 is stored (a slow hash adds nothing to 160+ random bits), and a stored hash is
 * looked up by equality, which tells a guesser nothing.
 */
final class RecoveryCodes {
    /** Crockford's base 32: no I, L, O or U, so a code written down on paper reads back unambiguously. */
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private static final SecureRandom RANDOM = new SecureRandom();

    private RecoveryCodes() {}

    /** A recovery code as the owner writes it down: 32 characters (160 bits) in groups of 4. */
    static String newCode() {
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if (i > 0 && i % 4 == 0) {
                code.append('-');
            }
            code.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return code.toString();
    }

    /** The stored form of a code as typed: case, dashes and spaces do not matter. */
    static String hash(String code) {
        String plain = code == null
                ? ""
                : code.toUpperCase(Locale.ROOT).replace("-", "").replace(" ", "");
        return hashToken(plain);
    }

    /** The stored form of a link's token. */
    static String hashToken(String token) {
        return HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}

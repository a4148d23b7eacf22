package dev.doorward.crypto.setup;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * The per-device setup code printed on the label: 10 random decimal digits (about 33 bits), shown as
 * "12345-67890". Codes a person might guess first are never issued.
 */
public final class SetupCodes {

    public static final int LENGTH = 10;

    private static final String MALFORMED = "A setup code has 10 digits";
    private static final int MAX_PERIOD = 5;
    private static final int MIN_DISTINCT_DIGITS = 4;
    /** The largest multiple of 10 that fits in a byte: rejecting bytes above it keeps digits uniform. */
    private static final int UNBIASED_BOUND = 250;

    private SetupCodes() {}

    /** A uniformly random code, drawn again while it is {@linkplain #isTrivial trivial}. */
    public static String generate(SecureRandom random) {
        Objects.requireNonNull(random, "random");
        char[] digits = new char[LENGTH];
        byte[] buffer = new byte[LENGTH * 2];
        String code;
        do {
            int filled = 0;
            while (filled < LENGTH) {
                random.nextBytes(buffer);
                for (int i = 0; i < buffer.length && filled < LENGTH; i++) {
                    int value = buffer[i] & 0xff;
                    if (value < UNBIASED_BOUND) {
                        digits[filled++] = (char) ('0' + value % 10);
                    }
                }
            }
            code = new String(digits);
        } while (isTrivial(code));
        return code;
    }

    /**
     * True for codes a person would try first: fewer than 4 distinct digits (0000000000, 1111122222),
     * any constant step modulo 10 (0123456789, 9876543210, 3456789012, 1357913579) and any pattern
     * repeating with a period of at most 5 (1212121212, 1231231231, 1234512345).
     */
    public static boolean isTrivial(String digits) {
        requireDigits(digits);
        int length = digits.length();
        boolean[] seen = new boolean[10];
        int distinct = 0;
        for (int i = 0; i < length; i++) {
            int digit = digits.charAt(i) - '0';
            if (!seen[digit]) {
                seen[digit] = true;
                distinct++;
            }
        }
        if (distinct < MIN_DISTINCT_DIGITS) {
            return true;
        }
        if (hasConstantStep(digits)) {
            return true;
        }
        for (int period = 1; period <= MAX_PERIOD && period < length; period++) {
            if (hasPeriod(digits, period)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Strips spaces and dashes from what a person typed; anything but exactly 10 ASCII digits is refused
     * with a message that never repeats the input.
     */
    public static String normalize(String userInput) {
        if (userInput == null) {
            throw new IllegalArgumentException(MALFORMED);
        }
        StringBuilder digits = new StringBuilder(LENGTH);
        for (int i = 0; i < userInput.length(); i++) {
            char c = userInput.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || isDash(c)) {
                continue;
            }
            if (c < '0' || c > '9' || digits.length() == LENGTH) {
                throw new IllegalArgumentException(MALFORMED);
            }
            digits.append(c);
        }
        if (digits.length() != LENGTH) {
            throw new IllegalArgumentException(MALFORMED);
        }
        return digits.toString();
    }

    /** "1234567890" becomes "12345-67890", the form printed on the label. */
    public static String format(String digits) {
        if (digits == null || digits.length() != LENGTH || !isAsciiDigits(digits)) {
            throw new IllegalArgumentException(MALFORMED);
        }
        return digits.substring(0, LENGTH / 2) + "-" + digits.substring(LENGTH / 2);
    }

    private static boolean hasConstantStep(String digits) {
        if (digits.length() < 2) {
            return true;
        }
        int step = Math.floorMod(digits.charAt(1) - digits.charAt(0), 10);
        for (int i = 2; i < digits.length(); i++) {
            if (Math.floorMod(digits.charAt(i) - digits.charAt(i - 1), 10) != step) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasPeriod(String digits, int period) {
        for (int i = period; i < digits.length(); i++) {
            if (digits.charAt(i) != digits.charAt(i - period)) {
                return false;
            }
        }
        return true;
    }

    /** Hyphen-minus plus the Unicode dashes a copy from a web page or a phone keyboard may bring. */
    private static boolean isDash(char c) {
        return c == '-' || (c >= '\u2010' && c <= '\u2015') || c == '\u2212' || c == '\uFE63' || c == '\uFF0D';
    }

    private static void requireDigits(String digits) {
        if (digits == null || digits.isEmpty() || !isAsciiDigits(digits)) {
            throw new IllegalArgumentException("A setup code consists of digits only");
        }
    }

    private static boolean isAsciiDigits(String candidate) {
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}

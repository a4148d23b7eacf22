package dev.doorward.crypto.sframe;

import java.util.Objects;

/**
 * The SFrame header of RFC 9605 §4.3: a config byte {@code X|KKK|Y|CCC} followed by the KID and then the
 * CTR, each a big-endian unsigned integer of at most 64 bits. A value below 8 lives in the config byte
 * (flag 0); a larger one follows it in the minimum number of bytes, its length minus one in the 3-bit
 * field (flag 1).
 *
 * <p>KID and CTR are unsigned 64-bit values held in a {@code long}: {@code -1L} is 2^64 − 1.
 *
 * <p>The parser is strict: a truncated header, or one whose KID or CTR is not in the minimal form the RFC
 * requires ("MUST be encoded with the minimum number of bytes"), is refused with an {@link
 * IllegalArgumentException}, and with no other exception whatever the input.
 */
public final class SFrameHeader {
    /** The longest header: config byte + 8-byte KID + 8-byte CTR. */
    public static final int MAX_LENGTH = 17;

    private final long kid;
    private final long counter;

    private SFrameHeader(long kid, long counter) {
        this.kid = kid;
        this.counter = counter;
    }

    /** A header for this KID and counter (both unsigned 64-bit). */
    public static SFrameHeader of(long kid, long counter) {
        return new SFrameHeader(kid, counter);
    }

    /** The key id, unsigned. */
    public long kid() {
        return kid;
    }

    /** The counter, unsigned. */
    public long counter() {
        return counter;
    }

    /** Bytes this header takes on the wire (1 to 17). */
    public int encodedLength() {
        return 1 + extraBytes(kid) + extraBytes(counter);
    }

    /** The wire form. */
    public byte[] encode() {
        byte[] out = new byte[encodedLength()];
        int kidBytes = extraBytes(kid);
        int ctrBytes = extraBytes(counter);
        int config = kidBytes == 0 ? (int) kid << 4 : 0x80 | (kidBytes - 1) << 4;
        config |= ctrBytes == 0 ? (int) counter : 0x08 | (ctrBytes - 1);
        out[0] = (byte) config;
        writeBigEndian(kid, out, 1, kidBytes);
        writeBigEndian(counter, out, 1 + kidBytes, ctrBytes);
        return out;
    }

    /**
     * Parses the header at the start of {@code data}; the bytes after it (an SFrame ciphertext's encrypted
     * part) are not looked at. {@link #encodedLength()} tells where they start.
     *
     * @throws IllegalArgumentException if the data is null, truncated or not minimally encoded
     */
    public static SFrameHeader decode(byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("no SFrame header");
        }
        if (data.length == 0) {
            throw new IllegalArgumentException("SFrame header truncated: no config byte");
        }
        int config = data[0] & 0xff;
        int offset = 1;
        long kid;
        if ((config & 0x80) == 0) {
            kid = (config >>> 4) & 0x07;
        } else {
            int length = ((config >>> 4) & 0x07) + 1;
            kid = readMinimal(data, offset, length, "KID");
            offset += length;
        }
        long counter;
        if ((config & 0x08) == 0) {
            counter = config & 0x07;
        } else {
            int length = (config & 0x07) + 1;
            counter = readMinimal(data, offset, length, "CTR");
        }
        return new SFrameHeader(kid, counter);
    }

    /**
     * Parses a byte string that must be exactly one header, nothing before or after it.
     *
     * @throws IllegalArgumentException if the data is truncated, oversized or not minimally encoded
     */
    public static SFrameHeader decodeExact(byte[] data) {
        SFrameHeader header = decode(data);
        if (header.encodedLength() != data.length) {
            throw new IllegalArgumentException(
                    "SFrame header followed by " + (data.length - header.encodedLength()) + " unexpected byte(s)");
        }
        return header;
    }

    /** 0 if the value fits the 3-bit field, else the minimal number of big-endian bytes (1–8). */
    static int extraBytes(long value) {
        if (Long.compareUnsigned(value, 8) < 0) {
            return 0;
        }
        return (Long.SIZE - Long.numberOfLeadingZeros(value) + 7) / 8;
    }

    private static long readMinimal(byte[] data, int offset, int length, String field) {
        if (data.length - offset < length) {
            throw new IllegalArgumentException("SFrame header truncated: " + field + " needs " + length + " byte(s), "
                    + Math.max(0, data.length - offset) + " left");
        }
        long value = 0;
        for (int i = 0; i < length; i++) {
            value = value << 8 | (data[offset + i] & 0xff);
        }
        if (extraBytes(value) != length) {
            throw new IllegalArgumentException("SFrame header " + field + " is not minimally encoded");
        }
        return value;
    }

    private static void writeBigEndian(long value, byte[] out, int offset, int length) {
        for (int i = length - 1; i >= 0; i--) {
            out[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SFrameHeader that && kid == that.kid && counter == that.counter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kid, counter);
    }

    @Override
    public String toString() {
        return "SFrameHeader[kid=" + Long.toUnsignedString(kid) + ", counter=" + Long.toUnsignedString(counter) + "]";
    }
}

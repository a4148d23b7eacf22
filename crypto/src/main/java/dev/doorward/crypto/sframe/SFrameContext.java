package dev.doorward.crypto.sframe;

import dev.doorward.crypto.sframe.SFrameException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SFrame (RFC 9605) encryption and decryption with one base key: one (cipher suite, KID, base_key) triple.
 * {@code sframe_key} and {@code sframe_salt} are derived once, here, per §4.4.2:
 *
 * <pre>
 *   sframe_secret = HKDF-Extract("", base_key)
 *   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID(8, BE) + suite(2, BE), Nk)
 *   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID(8, BE) + suite(2, BE), Nn)
 * </pre>
 *
 * and each frame is {@code header || AES-GCM(sframe_key, nonce = sframe_salt XOR CTR, aad = header ||
 * metadata, plaintext)} (§4.4.3). This class is the raw primitive: it does not track counters. Use {@link
 * Sender} to seal (it owns a counter that never repeats) and {@link Receiver} to open (it rejects replays),
 * and never use one base key in both directions (§4.4.1: a base_key is for encryption or decryption, never
 * both).
 *
 * <h2>How Doorward uses it (DESIGN §6)</h2>
 *
 * <ul>
 *   <li><b>KID = media epoch.</b> The device makes an epoch key per roster change (and at least daily) and
 *       wraps it to every client; the epoch number is the KID, so a new epoch key is a new KID, and a
 *       receiver holding several epochs during a rotation picks the key from the header.
 *   <li><b>One base key per sender.</b> Everybody in the epoch knows the epoch key, and every sender counts
 *       from 0, so the epoch key is never a base key itself: each sender (the device's video, the device's
 *       audio, each browser's talk-back audio) seals with {@link #senderKey(byte[], String)} of the epoch
 *       key and its own label (for example {@code "device-video"}, {@code "device-audio"}, {@code
 *       "talk:<client id>"}). Distinct labels give unrelated keys, so two senders using the same KID and
 *       the same counter never use the same (key, nonce) pair. A receiver keeps one {@link Receiver} per
 *       sender stream, since the KID alone does not name the sender.
 *   <li><b>No key, no picture.</b> Every failure is an {@link SFrameException}; there is no plaintext path.
 * </ul>
 *
 * Instances are immutable and thread-safe.
 */
public final class SFrameContext {
    private static final byte[] KEY_LABEL = "SFrame 1.0 Secret key ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SALT_LABEL = "SFrame 1.0 Secret salt ".getBytes(StandardCharsets.US_ASCII);
    private static final String SENDER_LABEL_PREFIX = "doorward sframe sender ";
    /** Base keys (and epoch keys) shorter than this are refused. */
    public static final int MIN_BASE_KEY_LENGTH = 16;
    /** Length of a {@link #senderKey} result. */
    public static final int SENDER_KEY_LENGTH = 32;

    private final CipherSuite suite;
    private final long kid;
    private final SecretKeySpec key;
    private final byte[] salt;

    /**
     * @param kid the key id, unsigned 64-bit (Doorward: the media epoch)
     * @param baseKey at least {@value #MIN_BASE_KEY_LENGTH} bytes; copied, not kept
     */
    public SFrameContext(CipherSuite suite, long kid, byte[] baseKey) {
        this.suite = Objects.requireNonNull(suite, "suite");
        this.kid = kid;
        DerivedKeys derived = derive(suite, kid, baseKey);
        this.key = new SecretKeySpec(derived.key(), "AES");
        this.salt = derived.salt();
        Arrays.fill(derived.key(), (byte) 0);
    }

    public CipherSuite suite() {
        return suite;
    }

    /** The key id, unsigned. */
    public long kid() {
        return kid;
    }

    /**
     * Seals one frame with this counter. The caller guarantees the counter is never used twice with this
     * key; {@link Sender} does that.
     *
     * @param counter unsigned 64-bit CTR
     * @param metadata authenticated, not encrypted, not carried in the output; null means empty
     * @return the SFrame ciphertext: header, encrypted data, tag
     */
    public byte[] seal(long counter, byte[] metadata, byte[] plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] header = SFrameHeader.of(kid, counter).encode();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(CipherSuite.TAG_LENGTH * 8, nonce(counter)));
            cipher.updateAAD(header);
            if (metadata != null) {
                cipher.updateAAD(metadata);
            }
            byte[] out = new byte[header.length + cipher.getOutputSize(plaintext.length)];
            System.arraycopy(header, 0, out, 0, header.length);
            int written = cipher.doFinal(plaintext, 0, plaintext.length, out, header.length);
            if (written != out.length - header.length) {
                throw new IllegalStateException("AES-GCM wrote " + written + " bytes");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Opens one SFrame ciphertext sealed with this context's key. Does not check for replays ({@link
     * Receiver} does).
     *
     * @param metadata the same metadata the sender authenticated; null means empty
     * @throws SFrameException MALFORMED, UNKNOWN_KEY (another KID) or AUTHENTICATION_FAILED
     */
    public byte[] open(byte[] sframeCiphertext, byte[] metadata) throws SFrameException {
        SFrameHeader header = parse(sframeCiphertext);
        return open(header, sframeCiphertext, metadata);
    }

    /** The header of a ciphertext, or MALFORMED. */
    static SFrameHeader parse(byte[] sframeCiphertext) throws SFrameException {
        try {
            return SFrameHeader.decode(sframeCiphertext);
        } catch (IllegalArgumentException e) {
            throw new SFrameException(Reason.MALFORMED, e.getMessage());
        }
    }

    byte[] open(SFrameHeader header, byte[] sframeCiphertext, byte[] metadata) throws SFrameException {
        if (header.kid() != kid) {
            throw new SFrameException(
                    Reason.UNKNOWN_KEY, "frame is for KID " + Long.toUnsignedString(header.kid()) + ", not this key");
        }
        int headerLength = header.encodedLength();
        int encryptedLength = sframeCiphertext.length - headerLength;
        if (encryptedLength < CipherSuite.TAG_LENGTH) {
            throw new SFrameException(Reason.MALFORMED, "ciphertext shorter than the authentication tag");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    key,
                    new GCMParameterSpec(CipherSuite.TAG_LENGTH * 8, nonce(header.counter())));
            cipher.updateAAD(sframeCiphertext, 0, headerLength);
            if (metadata != null) {
                cipher.updateAAD(metadata);
            }
            // The JDK's GCM verifies the whole tag before it releases any plaintext.
            return cipher.doFinal(sframeCiphertext, headerLength, encryptedLength);
        } catch (AEADBadTagException e) {
            throw new SFrameException(Reason.AUTHENTICATION_FAILED, "authentication tag mismatch");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption could not run", e);
        }
    }

    /** sframe_salt XOR CTR, the counter big-endian in the last 8 bytes of the 12-byte nonce. */
    private byte[] nonce(long counter) {
        byte[] nonce = salt.clone();
        for (int i = 0; i < Long.BYTES; i++) {
            nonce[nonce.length - 1 - i] ^= (byte) (counter >>> (8 * i));
        }
        return nonce;
    }

    /**
     * The base key of one sender in one epoch: HKDF-SHA256 with an empty salt, IKM = the epoch key, info =
     * UTF-8 of {@code "doorward sframe sender " + senderLabel}, {@value #SENDER_KEY_LENGTH} bytes.
     *
     * @param senderLabel names the sender within the epoch, distinct for every sender (e.g. {@code
     *     "device-video"}); printable ASCII, 1–128 characters
     */
    public static byte[] senderKey(byte[] epochKey, String senderLabel) {
        Objects.requireNonNull(epochKey, "epochKey");
        Objects.requireNonNull(senderLabel, "senderLabel");
        if (epochKey.length < MIN_BASE_KEY_LENGTH) {
            throw new IllegalArgumentException("epoch key shorter than " + MIN_BASE_KEY_LENGTH + " bytes");
        }
        if (senderLabel.isEmpty()
                || senderLabel.length() > 128
                || !senderLabel.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new IllegalArgumentException("sender label must be 1-128 printable ASCII characters, no spaces");
        }
        byte[] prk = Hkdf.extract("HmacSHA256", 32, new byte[0], epochKey);
        byte[] info = (SENDER_LABEL_PREFIX + senderLabel).getBytes(StandardCharsets.UTF_8);
        byte[] out = Hkdf.expand("HmacSHA256", 32, prk, info, SENDER_KEY_LENGTH);
        Arrays.fill(prk, (byte) 0);
        return out;
    }

    /** sframe_key and sframe_salt (RFC 9605 §4.4.2). */
    record DerivedKeys(byte[] key, byte[] salt) {}

    static DerivedKeys derive(CipherSuite suite, long kid, byte[] baseKey) {
        Objects.requireNonNull(baseKey, "baseKey");
        if (baseKey.length < MIN_BASE_KEY_LENGTH) {
            throw new IllegalArgumentException("base key shorter than " + MIN_BASE_KEY_LENGTH + " bytes");
        }
        byte[] secret = Hkdf.extract(suite.hmacAlgorithm(), suite.hashLength(), new byte[0], baseKey);
        byte[] key = Hkdf.expand(
                suite.hmacAlgorithm(), suite.hashLength(), secret, label(KEY_LABEL, kid, suite), suite.keyLength());
        byte[] salt = Hkdf.expand(
                suite.hmacAlgorithm(),
                suite.hashLength(),
                secret,
                label(SALT_LABEL, kid, suite),
                CipherSuite.NONCE_LENGTH);
        Arrays.fill(secret, (byte) 0);
        return new DerivedKeys(key, salt);
    }

    /** label + KID as 8-byte big-endian + cipher suite as 2-byte big-endian. */
    static byte[] label(byte[] prefix, long kid, CipherSuite suite) {
        return ByteBuffer.allocate(prefix.length + 10)
                .put(prefix)
                .putLong(kid)
                .putShort((short) suite.id())
                .array();
    }

    static byte[] keyLabel(long kid, CipherSuite suite) {
        return label(KEY_LABEL, kid, suite);
    }

    static byte[] saltLabel(long kid, CipherSuite suite) {
        return label(SALT_LABEL, kid, suite);
    }

    @Override
    public String toString() {
        return "SFrameContext[" + suite + ", kid=" + Long.toUnsignedString(kid) + "]";
    }
}

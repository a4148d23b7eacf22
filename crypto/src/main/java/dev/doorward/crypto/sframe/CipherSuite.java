package dev.doorward.crypto.sframe;

/**
 * The SFrame cipher suites Doorward implements: the two AES-GCM suites of RFC 9605 §4.5 (IANA "SFrame
 * Cipher Suites" registry), the ones a browser can do with WebCrypto alone. The AES-CTR + HMAC suites
 * (0x0001–0x0003) with short tags are deliberately not offered.
 */
public enum CipherSuite {
    /** AES-128-GCM, HKDF-SHA256, 128-bit tag. Doorward's default. */
    AES_128_GCM_SHA256_128(0x0004, "HmacSHA256", 32, 16),
    /** AES-256-GCM, HKDF-SHA512, 128-bit tag. */
    AES_256_GCM_SHA512_128(0x0005, "HmacSHA512", 64, 32);

    /** Doorward's suite unless configured otherwise. */
    public static final CipherSuite DEFAULT = AES_128_GCM_SHA256_128;

    /** AEAD.Nn: nonce size in bytes (both suites). */
    static final int NONCE_LENGTH = 12;
    /** AEAD.Nt: tag size in bytes (both suites). */
    static final int TAG_LENGTH = 16;

    private final int id;
    private final String hmacAlgorithm;
    private final int hashLength;
    private final int keyLength;

    CipherSuite(int id, String hmacAlgorithm, int hashLength, int keyLength) {
        this.id = id;
        this.hmacAlgorithm = hmacAlgorithm;
        this.hashLength = hashLength;
        this.keyLength = keyLength;
    }

    /** The 16-bit identifier from the IANA registry. */
    public int id() {
        return id;
    }

    /** AEAD.Nk: AES key size in bytes. */
    public int keyLength() {
        return keyLength;
    }

    /** AEAD.Nn: nonce size in bytes. */
    public int nonceLength() {
        return NONCE_LENGTH;
    }

    /** AEAD.Nt: bytes the AEAD adds to a plaintext (the tag). */
    public int tagLength() {
        return TAG_LENGTH;
    }

    /** Hash.Nh: HKDF hash output size in bytes. */
    int hashLength() {
        return hashLength;
    }

    String hmacAlgorithm() {
        return hmacAlgorithm;
    }

    /** @throws IllegalArgumentException for an identifier Doorward does not implement */
    public static CipherSuite fromId(int id) {
        for (CipherSuite suite : values()) {
            if (suite.id == id) {
                return suite;
            }
        }
        throw new IllegalArgumentException("unsupported SFrame cipher suite 0x" + Integer.toHexString(id));
    }
}

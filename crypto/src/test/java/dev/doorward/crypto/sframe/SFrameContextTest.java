package dev.doorward.crypto.sframe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.doorward.crypto.sframe.Rfc9605Vectors.SFrameVector;
import dev.doorward.crypto.sframe.SFrameException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class SFrameContextTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void derivesTheRfc9605KeysAndSalts() {
        for (SFrameVector v : Rfc9605Vectors.SFRAMES) {
            CipherSuite suite = CipherSuite.fromId(v.cipherSuite());
            byte[] baseKey = HEX.parseHex(v.baseKey());
            assertThat(HEX.formatHex(SFrameContext.keyLabel(v.kid(), suite))).isEqualTo(v.sframeKeyLabel());
            assertThat(HEX.formatHex(SFrameContext.saltLabel(v.kid(), suite))).isEqualTo(v.sframeSaltLabel());
            assertThat(HEX.formatHex(Hkdf.extract(suite.hmacAlgorithm(), suite.hashLength(), new byte[0], baseKey)))
                    .isEqualTo(v.sframeSecret());
            SFrameContext.DerivedKeys derived = SFrameContext.derive(suite, v.kid(), baseKey);
            assertThat(HEX.formatHex(derived.key())).as(suite.name()).isEqualTo(v.sframeKey());
            assertThat(HEX.formatHex(derived.salt())).as(suite.name()).isEqualTo(v.sframeSalt());
        }
    }

    @Test
    void sealsAndOpensTheRfc9605Vectors() throws SFrameException {
        for (SFrameVector v : Rfc9605Vectors.SFRAMES) {
            SFrameContext context =
                    new SFrameContext(CipherSuite.fromId(v.cipherSuite()), v.kid(), HEX.parseHex(v.baseKey()));
            byte[] metadata = HEX.parseHex(v.metadata());
            byte[] sealed = context.seal(v.ctr(), metadata, HEX.parseHex(v.pt()));
            assertThat(HEX.formatHex(sealed)).as(context.toString()).isEqualTo(v.ct());
            assertThat(HEX.formatHex(context.open(HEX.parseHex(v.ct()), metadata)))
                    .isEqualTo(v.pt());
            // The AAD is the header followed by the metadata.
            int headerLength = SFrameHeader.decode(sealed).encodedLength();
            byte[] aad = new byte[headerLength + metadata.length];
            System.arraycopy(sealed, 0, aad, 0, headerLength);
            System.arraycopy(metadata, 0, aad, headerLength, metadata.length);
            assertThat(HEX.formatHex(aad)).isEqualTo(v.aad());
        }
    }

    @Test
    void cipherSuitesCarryTheRegistryConstants() {
        assertThat(CipherSuite.AES_128_GCM_SHA256_128.id()).isEqualTo(0x0004);
        assertThat(CipherSuite.AES_128_GCM_SHA256_128.keyLength()).isEqualTo(16);
        assertThat(CipherSuite.AES_256_GCM_SHA512_128.id()).isEqualTo(0x0005);
        assertThat(CipherSuite.AES_256_GCM_SHA512_128.keyLength()).isEqualTo(32);
        assertThat(CipherSuite.DEFAULT).isEqualTo(CipherSuite.AES_128_GCM_SHA256_128);
        for (CipherSuite suite : CipherSuite.values()) {
            assertThat(suite.nonceLength()).isEqualTo(12);
            assertThat(suite.tagLength()).isEqualTo(16);
            assertThat(CipherSuite.fromId(suite.id())).isEqualTo(suite);
        }
        assertThatThrownBy(() -> CipherSuite.fromId(0x0001)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundTripsEveryKindOfFrame() throws SFrameException {
        for (CipherSuite suite : CipherSuite.values()) {
            byte[] key = randomBytes(32);
            SFrameContext context = new SFrameContext(suite, 42, key);
            for (long counter : new long[] {0, 1, 7, 8, 1000, 1L << 40, -1L}) {
                for (int size : new int[] {0, 1, 15, 16, 17, 1500, 100_000}) {
                    byte[] plaintext = randomBytes(size);
                    byte[] metadata = size % 2 == 0 ? null : randomBytes(5);
                    byte[] sealed = context.seal(counter, metadata, plaintext);
                    SFrameHeader header = SFrameHeader.decode(sealed);
                    assertThat(header.kid()).isEqualTo(42);
                    assertThat(header.counter()).isEqualTo(counter);
                    assertThat(sealed.length).isEqualTo(header.encodedLength() + size + 16);
                    assertThat(context.open(sealed, metadata)).isEqualTo(plaintext);
                }
            }
            // Null metadata and empty metadata are the same thing.
            byte[] sealed = context.seal(3, null, new byte[] {1, 2, 3});
            assertThat(context.open(sealed, new byte[0])).containsExactly(1, 2, 3);
        }
    }

    @Test
    void everyTamperedByteIsRejected() throws SFrameException {
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, 300, randomBytes(16));
        byte[] metadata = "frame 9".getBytes(StandardCharsets.US_ASCII);
        byte[] sealed = context.seal(123_456, metadata, randomBytes(64));
        for (int i = 0; i < sealed.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= (byte) (1 << bit);
                // A flipped header bit may make the header malformed, name another KID, or change the
                // counter (then the nonce and AAD differ): never does it open.
                assertRejected(
                        () -> context.open(tampered, metadata),
                        Set.of(Reason.AUTHENTICATION_FAILED, Reason.MALFORMED, Reason.UNKNOWN_KEY));
            }
        }
        assertRejected(
                () -> context.open(Arrays.copyOf(sealed, sealed.length - 1), metadata),
                Set.of(Reason.AUTHENTICATION_FAILED));
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertRejected(() -> context.open(longer, metadata), Set.of(Reason.AUTHENTICATION_FAILED));
        byte[] headerOnly = SFrameHeader.of(300, 123_456).encode();
        assertRejected(() -> context.open(headerOnly, metadata), Set.of(Reason.MALFORMED));
        assertRejected(
                () -> context.open(Arrays.copyOf(sealed, headerOnly.length + 15), metadata), Set.of(Reason.MALFORMED));
        assertRejected(() -> context.open(null, metadata), Set.of(Reason.MALFORMED));
    }

    @Test
    void wrongMetadataIsRejected() throws SFrameException {
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, 1, randomBytes(16));
        byte[] sealed = context.seal(9, new byte[] {1}, new byte[] {42});
        assertRejected(() -> context.open(sealed, new byte[] {2}), Set.of(Reason.AUTHENTICATION_FAILED));
        assertRejected(() -> context.open(sealed, null), Set.of(Reason.AUTHENTICATION_FAILED));
    }

    @Test
    void wrongKeysAreRejected() throws SFrameException {
        byte[] key = randomBytes(16);
        SFrameContext sender = new SFrameContext(CipherSuite.AES_128_GCM_SHA256_128, 5, key);
        byte[] sealed = sender.seal(77, null, "ding dong".getBytes(StandardCharsets.UTF_8));

        byte[] otherKey = key.clone();
        otherKey[0] ^= 1;
        SFrameContext wrongKey = new SFrameContext(CipherSuite.AES_128_GCM_SHA256_128, 5, otherKey);
        assertRejected(() -> wrongKey.open(sealed, null), Set.of(Reason.AUTHENTICATION_FAILED));

        SFrameContext wrongSuite = new SFrameContext(CipherSuite.AES_256_GCM_SHA512_128, 5, key);
        assertRejected(() -> wrongSuite.open(sealed, null), Set.of(Reason.AUTHENTICATION_FAILED));
    }

    @Test
    void aFrameForAnotherKidIsRejected() throws SFrameException {
        byte[] key = randomBytes(16);
        byte[] sealed = new SFrameContext(CipherSuite.DEFAULT, 5, key).seal(1, null, new byte[] {1});
        assertRejected(
                () -> new SFrameContext(CipherSuite.DEFAULT, 6, key).open(sealed, null), Set.of(Reason.UNKNOWN_KEY));

        // Rewriting the header to claim the other KID does not help: the KID is in the key derivation
        // and the header is authenticated.
        SFrameContext kid6 = new SFrameContext(CipherSuite.DEFAULT, 6, key);
        byte[] relabelled = sealed.clone();
        relabelled[0] = (byte) ((relabelled[0] & 0x0f) | 6 << 4);
        assertRejected(() -> kid6.open(relabelled, null), Set.of(Reason.AUTHENTICATION_FAILED));
    }

    @Test
    void fuzzedCiphertextsOnlyEverFailWithSFrameException() {
        SFrameContext context = new SFrameContext(CipherSuite.DEFAULT, 2, randomBytes(16));
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] data = new byte[random.nextInt(64)];
            random.nextBytes(data);
            if (i % 2 == 0 && data.length > 0) {
                data[0] = (byte) (0x20 | (data[0] & 0x0f)); // KID 2, so the AEAD path runs too
            }
            try {
                context.open(data, null);
                fail("opened random bytes " + HEX.formatHex(data));
            } catch (SFrameException expected) {
                assertThat(expected.reason()).isIn(Reason.MALFORMED, Reason.UNKNOWN_KEY, Reason.AUTHENTICATION_FAILED);
            } catch (RuntimeException | Error e) {
                fail("open(" + HEX.formatHex(data) + ") threw " + e);
            }
        }
    }

    @Test
    void senderKeysAreDistinctPerLabelAndDeterministic() {
        byte[] epochKey = randomBytes(32);
        Set<String> keys = new HashSet<>();
        for (String label : new String[] {"device-video", "device-audio", "talk:a", "talk:b"}) {
            byte[] key = SFrameContext.senderKey(epochKey, label);
            assertThat(key).hasSize(SFrameContext.SENDER_KEY_LENGTH);
            assertThat(SFrameContext.senderKey(epochKey, label)).isEqualTo(key);
            keys.add(HEX.formatHex(key));
        }
        assertThat(keys).hasSize(4);
        assertThatThrownBy(() -> SFrameContext.senderKey(epochKey, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SFrameContext.senderKey(epochKey, "two words"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SFrameContext.senderKey(new byte[15], "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SFrameContext(CipherSuite.DEFAULT, 1, new byte[15]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Known answer for {@link SFrameContext#senderKey}. Not an RFC vector (the derivation is Doorward's): it
     * was computed independently with Python's hmac/hashlib as HKDF-SHA256(salt = 32 zero bytes, ikm =
     * 00..1f, info = "doorward sframe sender device-video", L = 32), and the browser checks the same value.
     */
    @Test
    void senderKeyKnownAnswer() {
        byte[] epochKey = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assertThat(HEX.formatHex(SFrameContext.senderKey(epochKey, "device-video")))
                .isEqualTo(SENDER_KEY_KAT);
    }

    static final String SENDER_KEY_KAT = "a78e64806406ecfd3e5d566d0446e23103e595d61e4706932a756d727e6b1b11";

    /** HKDF itself against RFC 5869 test case 1 (SHA-256). */
    @Test
    void hkdfMatchesRfc5869() {
        byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
        byte[] prk = Hkdf.extract("HmacSHA256", 32, salt, ikm);
        assertThat(HEX.formatHex(prk)).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(HEX.formatHex(Hkdf.expand("HmacSHA256", 32, prk, info, 42)))
                .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    static void assertRejected(ThrowingCallable open, Set<Reason> allowed) {
        assertThatThrownBy(open)
                .isInstanceOf(SFrameException.class)
                .satisfies(e -> assertThat(((SFrameException) e).reason()).isIn(allowed));
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}

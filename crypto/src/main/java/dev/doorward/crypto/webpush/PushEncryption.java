package dev.doorward.crypto.webpush;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.sframe.Hkdf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188): an
 * ephemeral P-256 key agreed with the browser's subscription key, HKDF keyed by the subscription's auth
 * secret, one AES-128-GCM record. Only the browser that subscribed can read the message; the push service
 * sees ciphertext and its length.
 */
public final class PushEncryption {
    /** The record size written in the header; one record carries the whole message. */
    public static final int RECORD_SIZE = 4096;
    /** The largest plaintext one record holds: record size minus the GCM tag and the padding delimiter. */
    public static final int MAX_PLAINTEXT = RECORD_SIZE - 16 - 1;

    public static final int AUTH_SECRET_BYTES = 16;
    private static final int SALT_BYTES = 16;
    private static final int HEADER_BYTES = SALT_BYTES + 4 + 1 + P256Points.UNCOMPRESSED_BYTES;
    private static final byte LAST_RECORD_DELIMITER = 0x02;
    private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);

    private PushEncryption() {}

    /** Encrypts {@code plaintext} for a subscription ({@code p256dh} point and {@code auth} secret). */
    public static byte[] encrypt(byte[] plaintext, byte[] subscriptionKey, byte[] authSecret, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return encrypt(plaintext, subscriptionKey, authSecret, KeyPairs.newP256(random), salt);
    }

    /**
     * As above with the ephemeral key pair and salt given: for RFC 8291's test vectors only. Reusing either
     * for two messages would be a serious mistake.
     */
    public static byte[] encrypt(
            byte[] plaintext, byte[] subscriptionKey, byte[] authSecret, KeyPair ephemeral, byte[] salt) {
        if (plaintext.length > MAX_PLAINTEXT) {
            throw new IllegalArgumentException("a push message holds at most " + MAX_PLAINTEXT + " bytes");
        }
        if (authSecret == null || authSecret.length != AUTH_SECRET_BYTES) {
            throw new IllegalArgumentException("the auth secret must be 16 bytes");
        }
        if (salt.length != SALT_BYTES) {
            throw new IllegalArgumentException("the salt must be 16 bytes");
        }
        ECPublicKey uaPublic = P256Points.decode(subscriptionKey);
        byte[] asPublic = P256Points.encode(ephemeral.getPublic());
        Keys keys = derive(ephemeral.getPrivate(), uaPublic, subscriptionKey, asPublic, authSecret, salt);
        byte[] record = Arrays.copyOf(plaintext, plaintext.length + 1);
        record[plaintext.length] = LAST_RECORD_DELIMITER;
        byte[] sealed = aesGcm(Cipher.ENCRYPT_MODE, keys, record);
        return ByteBuffer.allocate(HEADER_BYTES + sealed.length)
                .put(salt)
                .putInt(RECORD_SIZE)
                .put((byte) asPublic.length)
                .put(asPublic)
                .put(sealed)
                .array();
    }

    /**
     * Decrypts a message as the browser does, with the subscription's private key. Used by tests and the
     * stand-in push service's browser; throws {@link IllegalArgumentException} on anything malformed or forged.
     */
    public static byte[] decrypt(byte[] body, KeyPair subscription, byte[] authSecret) {
        ByteBuffer in = ByteBuffer.wrap(body);
        if (body.length < HEADER_BYTES + 17) {
            throw new IllegalArgumentException("too short for an aes128gcm message");
        }
        byte[] salt = new byte[SALT_BYTES];
        in.get(salt);
        int recordSize = in.getInt();
        int idLength = in.get() & 0xff;
        if (idLength != P256Points.UNCOMPRESSED_BYTES) {
            throw new IllegalArgumentException("the key id is not a P-256 point");
        }
        byte[] asPublic = new byte[idLength];
        in.get(asPublic);
        byte[] sealed = new byte[in.remaining()];
        in.get(sealed);
        if (sealed.length > recordSize) {
            throw new IllegalArgumentException("more than one record");
        }
        PublicKey sender = P256Points.decode(asPublic);
        Keys keys = derive(
                subscription.getPrivate(),
                sender,
                P256Points.encode(subscription.getPublic()),
                asPublic,
                authSecret,
                salt);
        byte[] record = aesGcm(Cipher.DECRYPT_MODE, keys, sealed);
        int end = record.length - 1;
        while (end >= 0 && record[end] == 0) {
            end--;
        }
        if (end < 0 || record[end] != LAST_RECORD_DELIMITER) {
            throw new IllegalArgumentException("bad padding delimiter");
        }
        return Arrays.copyOf(record, end);
    }

    private record Keys(byte[] contentKey, byte[] nonce) {}

    private static Keys derive(
            PrivateKey ownPrivate,
            PublicKey peerPublic,
            byte[] uaPublic,
            byte[] asPublic,
            byte[] authSecret,
            byte[] salt) {
        byte[] ecdhSecret;
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(ownPrivate);
            agreement.doPhase(peerPublic, true);
            ecdhSecret = agreement.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("key agreement failed", e);
        }
        byte[] prkKey = Hkdf.extract("HmacSHA256", 32, authSecret, ecdhSecret);
        byte[] keyInfo = ByteBuffer.allocate(KEY_INFO.length + uaPublic.length + asPublic.length)
                .put(KEY_INFO)
                .put(uaPublic)
                .put(asPublic)
                .array();
        byte[] ikm = Hkdf.expand("HmacSHA256", 32, prkKey, keyInfo, 32);
        byte[] prk = Hkdf.extract("HmacSHA256", 32, salt, ikm);
        Keys keys = new Keys(
                Hkdf.expand("HmacSHA256", 32, prk, CEK_INFO, 16), Hkdf.expand("HmacSHA256", 32, prk, NONCE_INFO, 12));
        Arrays.fill(ecdhSecret, (byte) 0);
        Arrays.fill(prkKey, (byte) 0);
        Arrays.fill(ikm, (byte) 0);
        Arrays.fill(prk, (byte) 0);
        return keys;
    }

    private static byte[] aesGcm(int mode, Keys keys, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(keys.contentKey(), "AES"), new GCMParameterSpec(128, keys.nonce()));
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("the message does not open with this subscription's keys");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-GCM is unavailable", e);
        }
    }
}

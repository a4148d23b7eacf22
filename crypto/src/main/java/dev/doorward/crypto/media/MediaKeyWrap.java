package dev.doorward.crypto.media;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.sframe.Hkdf;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wraps a doorbell's media epoch key to one member client (docs/media.md "Wrapping an epoch key"): a fresh
 * P-256 key pair per envelope, ECDH with the client's agreement key, HKDF-SHA256, AES-256-GCM with the
 * context as associated data. The browser unwraps the same way with WebCrypto ({@code app/media-keys.js}).
 * The hub carries envelopes but holds no private key that opens them.
 */
public final class MediaKeyWrap {

    public static final int EPOCH_KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 12;
    public static final int WRAPPED_LENGTH = EPOCH_KEY_LENGTH + 16;
    private static final String INFO_PREFIX = "doorward media key 1|";

    private MediaKeyWrap() {}

    /** What an envelope is for; every field is bound into the key derivation and the AES-GCM tag. */
    public record Context(String deviceId, long mediaEpoch, String clientId, int slot) {
        public Context {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(clientId, "clientId");
            if (mediaEpoch < 1 || slot < 0 || slot > 255) {
                throw new IllegalArgumentException("media epoch or slot out of range");
            }
            if (deviceId.contains("|") || clientId.contains("|")) {
                throw new IllegalArgumentException("ids cannot contain '|'");
            }
        }

        public byte[] info() {
            return (INFO_PREFIX + deviceId + "|" + mediaEpoch + "|" + clientId + "|" + slot)
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The wrapped key: the ephemeral public key (SPKI), the nonce and the AES-GCM output with its tag. */
    public record Envelope(Context context, byte[] ephemeralKey, byte[] nonce, byte[] wrapped) {
        public Envelope {
            Objects.requireNonNull(context, "context");
            ephemeralKey = ephemeralKey.clone();
            nonce = nonce.clone();
            wrapped = wrapped.clone();
        }

        @Override
        public byte[] ephemeralKey() {
            return ephemeralKey.clone();
        }

        @Override
        public byte[] nonce() {
            return nonce.clone();
        }

        @Override
        public byte[] wrapped() {
            return wrapped.clone();
        }
    }

    /** Wraps {@code epochKey} to the client whose ECDH agreement key (SPKI) is {@code clientAgreementKey}. */
    public static Envelope wrap(Context context, byte[] epochKey, byte[] clientAgreementKey, SecureRandom random) {
        if (epochKey.length != EPOCH_KEY_LENGTH) {
            throw new IllegalArgumentException("an epoch key has " + EPOCH_KEY_LENGTH + " bytes");
        }
        PublicKey recipient = KeyPairs.parseP256PublicKey(clientAgreementKey);
        KeyPair ephemeral = KeyPairs.newP256(random);
        byte[] key = wrappingKey(ephemeral.getPrivate(), recipient, context);
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        try {
            byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, key, nonce, context.info(), epochKey);
            return new Envelope(context, ephemeral.getPublic().getEncoded(), nonce, wrapped);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * Opens an envelope with the client's agreement private key, for the context the caller expects (never
     * the one the envelope claims). Throws {@link AEADBadTagException} when anything does not match.
     */
    public static byte[] unwrap(Context expected, Envelope envelope, PrivateKey clientAgreementKey)
            throws GeneralSecurityException {
        if (envelope.nonce.length != NONCE_LENGTH || envelope.wrapped.length != WRAPPED_LENGTH) {
            throw new AEADBadTagException("malformed envelope");
        }
        PublicKey ephemeral;
        try {
            ephemeral = KeyPairs.parseP256PublicKey(envelope.ephemeralKey);
        } catch (IllegalArgumentException e) {
            throw new AEADBadTagException("malformed ephemeral key");
        }
        byte[] key = wrappingKey(clientAgreementKey, ephemeral, expected);
        try {
            return gcm(Cipher.DECRYPT_MODE, key, envelope.nonce, expected.info(), envelope.wrapped);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] wrappingKey(PrivateKey own, PublicKey peer, Context context) {
        byte[] shared;
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(own);
            agreement.doPhase(peer, true);
            shared = agreement.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDH failed", e);
        }
        byte[] prk = Hkdf.extract("HmacSHA256", 32, new byte[0], shared);
        byte[] key = Hkdf.expand("HmacSHA256", 32, prk, context.info(), 32);
        Arrays.fill(shared, (byte) 0);
        Arrays.fill(prk, (byte) 0);
        return key;
    }

    private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] input)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(aad);
        return cipher.doFinal(input);
    }
}

package dev.doorward.crypto.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals small secrets the hub must keep but never show (a broker password, a client key) for storage in the
 * database: AES-256-GCM under a key kept in its own owner-only file in the data directory, so a copy of the
 * database alone reveals nothing. Each sealed value is bound to what it is for ({@code purpose}, used as associated
 * data), so a value copied into another row or household does not open there.
 */
public final class SecretBox {
    private static final String VERSION = "v1.";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random;

    private SecretBox(byte[] key, SecureRandom random) {
        this.key = new SecretKeySpec(key, "AES");
        this.random = random;
    }

    /**
     * The key in a file {@link #openOrCreate} made, as the base64 text it holds (for moving it into a sealed store
     * of its own, e.g. a cluster's); checked like {@link #openOrCreate} checks it.
     */
    public static String readKeyFile(Path keyFile) {
        refuseIfOthersCanRead(keyFile);
        String text = SecureFiles.read(keyFile).strip();
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(keyFile + " does not hold a secret key");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalStateException(keyFile + " does not hold a 256-bit key");
        }
        Arrays.fill(key, (byte) 0);
        return text;
    }

    /** Opens the key file, creating it (0600, written atomically) on first use. */
    public static SecretBox openOrCreate(Path keyFile, SecureRandom random) {
        if (!Files.exists(keyFile)) {
            byte[] fresh = new byte[KEY_BYTES];
            random.nextBytes(fresh);
            SecureFiles.writeSecret(keyFile, Base64.getEncoder().encodeToString(fresh) + "\n");
            Arrays.fill(fresh, (byte) 0);
        }
        refuseIfOthersCanRead(keyFile);
        byte[] key;
        try {
            key = Base64.getDecoder().decode(SecureFiles.read(keyFile).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(keyFile + " does not hold a secret key");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalStateException(keyFile + " does not hold a 256-bit key");
        }
        SecretBox box = new SecretBox(key, random);
        Arrays.fill(key, (byte) 0);
        return box;
    }

    /**
     * A box over a key kept elsewhere (a cluster's shared key, or one derived from its join secret): exactly 32
     * bytes. The caller may wipe its array afterwards.
     */
    public static SecretBox withKey(byte[] key, SecureRandom random) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("A secret box key is 256 bits");
        }
        return new SecretBox(key, random); // SecretKeySpec keeps its own copy
    }

    /** The secret sealed for {@code purpose}: {@code v1.} and base64url of nonce and ciphertext. */
    public String seal(String purpose, byte[] secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret);
            ByteBuffer out =
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed);
            return VERSION + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    public String seal(String purpose, String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        try {
            return seal(purpose, bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Opens what {@link #seal} made for the same purpose; refuses anything else without saying more. */
    public byte[] open(String purpose, String sealed) {
        if (sealed == null || !sealed.startsWith(VERSION)) {
            throw new IllegalArgumentException("Not a sealed secret");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(sealed.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a sealed secret");
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("Not a sealed secret");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(raw, 0, NONCE_BYTES)));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("The sealed secret does not open with this key for this purpose");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    public String openString(String purpose, String sealed) {
        byte[] bytes = open(purpose, sealed);
        try {
            return new String(bytes, StandardCharsets.UTF_8);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static void refuseIfOthersCanRead(Path keyFile) {
        try {
            if (!keyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                return;
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(keyFile);
            if (permissions.contains(PosixFilePermission.GROUP_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IllegalStateException(keyFile + " must be readable by its owner only (chmod 600)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the permissions of " + keyFile, e);
        }
    }

    @Override
    public String toString() {
        return "SecretBox[key=[REDACTED]]";
    }
}

package dev.doorward.crypto.backup;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * A passphrase-sealed stream for backups: Argon2id turns the passphrase into a key, and AES-256-GCM seals the
 * data in chunks (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár). Each chunk's nonce is its
 * counter plus a last-chunk flag, and every chunk authenticates the whole header, so a flipped byte, a dropped,
 * repeated or reordered chunk, a cut-off end and a changed header are all refused.
 *
 * <p>Layout: a 72-byte header, then chunks of {@code chunkSize} plaintext bytes + a 16-byte tag, the last one
 * possibly shorter (even empty). Header: magic {@code DWBACKUP}, version, AEAD id, KDF id, Argon2 lanes,
 * memory KiB, iterations, chunk size, 16-byte salt, then a 32-byte passphrase check: HMAC-SHA-256 over the
 * fields before it, under a second key from the same Argon2id output. The check tells a wrong passphrase
 * apart from a damaged archive before any data is read.
 */
public final class SealedArchive {
    static final byte[] MAGIC = "DWBACKUP".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int AEAD_AES_256_GCM = 1;
    private static final int KDF_ARGON2ID_13 = 1;
    static final int SALT_LENGTH = 16;
    static final int FIELDS_LENGTH = MAGIC.length + 4 + 4 + 4 + 4 + SALT_LENGTH;
    static final int CHECK_LENGTH = 32;
    public static final int HEADER_LENGTH = FIELDS_LENGTH + CHECK_LENGTH;
    static final int TAG_LENGTH = 16;
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    static final int MAX_CHUNK_SIZE = 16 * 1024 * 1024;

    private SealedArchive() {}

    /**
     * Starts a sealed archive on {@code out}. Call {@link Sealing#finish()} after the last byte: an archive
     * whose writer was closed without finishing has no last chunk and is refused as truncated, so a backup
     * that failed half-way never passes for a complete one.
     */
    public static Sealing seal(OutputStream out, char[] passphrase, ArchiveKdf kdf, int chunkSize, SecureRandom random)
            throws IOException {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_SIZE);
        }
        if (passphrase.length == 0) {
            throw new IllegalArgumentException("the passphrase must not be empty");
        }
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        ByteBuffer fields = ByteBuffer.allocate(FIELDS_LENGTH);
        fields.put(MAGIC)
                .put((byte) VERSION)
                .put((byte) AEAD_AES_256_GCM)
                .put((byte) KDF_ARGON2ID_13)
                .put((byte) kdf.parallelism())
                .putInt(kdf.memoryKiB())
                .putInt(kdf.iterations())
                .putInt(chunkSize)
                .put(salt);
        Keys keys = Keys.derive(passphrase, salt, kdf);
        byte[] header = ByteBuffer.allocate(HEADER_LENGTH)
                .put(fields.array())
                .put(keys.check(fields.array()))
                .array();
        out.write(header);
        return new Sealing(out, keys.aead(), header, chunkSize);
    }

    /** As {@link #seal(OutputStream, char[], ArchiveKdf, int, SecureRandom)} with the default parameters. */
    public static Sealing seal(OutputStream out, char[] passphrase, SecureRandom random) throws IOException {
        return seal(out, passphrase, ArchiveKdf.DEFAULT, DEFAULT_CHUNK_SIZE, random);
    }

    /**
     * Opens a sealed archive: reads and checks the header and the passphrase at once ({@link ArchiveRefused}
     * with {@code WRONG_PASSPHRASE} when it does not fit), then yields the plaintext chunk by chunk, each
     * verified before any of its bytes is returned. A damaged or truncated archive throws {@link ArchiveRefused}
     * from {@code read}, at the latest when the end is reached: only data read up to end of stream is whole.
     */
    public static InputStream open(InputStream in, char[] passphrase) throws IOException {
        byte[] header = in.readNBytes(HEADER_LENGTH);
        if (header.length < MAGIC.length || !Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ArchiveRefused(ArchiveRefused.Reason.NOT_AN_ARCHIVE);
        }
        if (header.length < HEADER_LENGTH) {
            throw new ArchiveRefused(ArchiveRefused.Reason.TRUNCATED, "the header is cut off");
        }
        ByteBuffer fields = ByteBuffer.wrap(header, MAGIC.length, FIELDS_LENGTH - MAGIC.length);
        int version = fields.get() & 0xff;
        int aead = fields.get() & 0xff;
        int kdfId = fields.get() & 0xff;
        if (version != VERSION || aead != AEAD_AES_256_GCM || kdfId != KDF_ARGON2ID_13) {
            throw new ArchiveRefused(ArchiveRefused.Reason.UNSUPPORTED);
        }
        int parallelism = fields.get() & 0xff;
        int memoryKiB = fields.getInt();
        int iterations = fields.getInt();
        int chunkSize = fields.getInt();
        byte[] salt = new byte[SALT_LENGTH];
        fields.get(salt);
        ArchiveKdf kdf;
        try {
            kdf = new ArchiveKdf(memoryKiB, iterations, parallelism);
        } catch (IllegalArgumentException e) {
            throw new ArchiveRefused(ArchiveRefused.Reason.DAMAGED, "its key derivation settings are out of range");
        }
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
            throw new ArchiveRefused(ArchiveRefused.Reason.DAMAGED, "its chunk size is out of range");
        }
        Keys keys = Keys.derive(passphrase, salt, kdf);
        byte[] expected = keys.check(Arrays.copyOf(header, FIELDS_LENGTH));
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(header, FIELDS_LENGTH, HEADER_LENGTH))) {
            throw new ArchiveRefused(ArchiveRefused.Reason.WRONG_PASSPHRASE);
        }
        return new Opening(in, keys.aead(), header, chunkSize);
    }

    /** The nonce of chunk {@code counter}: seven zero bytes, the counter, the last-chunk flag. */
    static byte[] nonce(long counter, boolean last) {
        if (counter > 0xffffffffL) {
            throw new IllegalStateException("archive too long for its chunk counter");
        }
        return ByteBuffer.allocate(12)
                .position(7)
                .putInt((int) counter)
                .put((byte) (last ? 1 : 0))
                .array();
    }

    static Cipher cipher(int mode, SecretKeySpec key, long counter, boolean last, byte[] header) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce(counter, last)));
            cipher.updateAAD(header);
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /** The archive key and the passphrase-check key, both from one Argon2id output. */
    private record Keys(SecretKeySpec aead, SecretKeySpec checkKey) {
        static Keys derive(char[] passphrase, byte[] salt, ArchiveKdf kdf) {
            byte[] secret = utf8(passphrase);
            byte[] out = new byte[64];
            try {
                Argon2BytesGenerator generator = new Argon2BytesGenerator();
                generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                        .withMemoryAsKB(kdf.memoryKiB())
                        .withIterations(kdf.iterations())
                        .withParallelism(kdf.parallelism())
                        .withSalt(salt)
                        .build());
                generator.generateBytes(secret, out);
                return new Keys(new SecretKeySpec(out, 0, 32, "AES"), new SecretKeySpec(out, 32, 32, "HmacSHA256"));
            } finally {
                Arrays.fill(secret, (byte) 0);
                Arrays.fill(out, (byte) 0);
            }
        }

        byte[] check(byte[] fields) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(checkKey);
                return mac.doFinal(fields);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA-256 is missing from this JDK", e);
            }
        }

        private static byte[] utf8(char[] passphrase) {
            ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
            return bytes;
        }
    }

    /** The writing side: buffers one chunk and seals it once it is known whether more follows. */
    public static final class Sealing extends FilterOutputStream {
        private final SecretKeySpec key;
        private final byte[] header;
        private final byte[] buffer;
        private int filled;
        private long counter;
        private boolean finished;

        private Sealing(OutputStream out, SecretKeySpec key, byte[] header, int chunkSize) {
            super(out);
            this.key = key;
            this.header = header;
            this.buffer = new byte[chunkSize];
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            if (finished) {
                throw new IOException("the archive is already finished");
            }
            while (length > 0) {
                if (filled == buffer.length) {
                    // More data follows, so the full buffer is not the last chunk.
                    writeChunk(false);
                }
                int n = Math.min(length, buffer.length - filled);
                System.arraycopy(data, offset, buffer, filled, n);
                filled += n;
                offset += n;
                length -= n;
            }
        }

        /** Seals the last chunk and flushes: the archive is complete. */
        public void finish() throws IOException {
            if (!finished) {
                writeChunk(true);
                finished = true;
                out.flush();
            }
        }

        private void writeChunk(boolean last) throws IOException {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, counter++, last, header);
            try {
                out.write(cipher.doFinal(buffer, 0, filled));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM sealing failed", e);
            }
            filled = 0;
        }

        /** Closes the underlying stream; without {@link #finish()} the archive stays incomplete on purpose. */
        @Override
        public void close() throws IOException {
            Arrays.fill(buffer, (byte) 0);
            out.close();
        }
    }

    /** The reading side: reads a chunk ahead by one byte to learn whether it is the last one. */
    private static final class Opening extends InputStream {
        private final PushbackInputStream in;
        private final SecretKeySpec key;
        private final byte[] header;
        private final int chunkSize;
        private byte[] plain = new byte[0];
        private int position;
        private long counter;
        private boolean ended;

        Opening(InputStream in, SecretKeySpec key, byte[] header, int chunkSize) {
            this.in = new PushbackInputStream(in, 1);
            this.key = key;
            this.header = header;
            this.chunkSize = chunkSize;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position == plain.length) {
                if (ended) {
                    return -1;
                }
                nextChunk();
            }
            int n = Math.min(length, plain.length - position);
            System.arraycopy(plain, position, target, offset, n);
            position += n;
            return n;
        }

        private void nextChunk() throws IOException {
            byte[] sealed = in.readNBytes(chunkSize + TAG_LENGTH);
            boolean last;
            if (sealed.length < chunkSize + TAG_LENGTH) {
                last = true;
            } else {
                int peek = in.read();
                last = peek == -1;
                if (!last) {
                    in.unread(peek);
                }
            }
            if (sealed.length < TAG_LENGTH) {
                throw new ArchiveRefused(ArchiveRefused.Reason.TRUNCATED);
            }
            try {
                plain = cipher(Cipher.DECRYPT_MODE, key, counter, last, header).doFinal(sealed);
            } catch (AEADBadTagException e) {
                throw new ArchiveRefused(refusal(sealed, last));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM opening failed", e);
            }
            counter++;
            position = 0;
            ended = last;
        }

        /** A chunk that opens as a middle chunk where the stream ends was cut off after it; else it is damaged. */
        private ArchiveRefused.Reason refusal(byte[] sealed, boolean last) {
            if (last && sealed.length == chunkSize + TAG_LENGTH) {
                try {
                    cipher(Cipher.DECRYPT_MODE, key, counter, false, header).doFinal(sealed);
                    return ArchiveRefused.Reason.TRUNCATED;
                } catch (GeneralSecurityException e) {
                    // not a middle chunk either
                }
            }
            return ArchiveRefused.Reason.DAMAGED;
        }

        @Override
        public void close() throws IOException {
            Arrays.fill(plain, (byte) 0);
            in.close();
        }
    }
}

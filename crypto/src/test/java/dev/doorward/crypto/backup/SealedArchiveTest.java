package dev.doorward.crypto.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SealedArchiveTest {
    /** Cheap Argon2id so the test is about the format, not the key derivation's cost. */
    private static final ArchiveKdf CHEAP = new ArchiveKdf(64, 1, 1);

    private static final int CHUNK = 1024;
    private static final char[] PASSPHRASE = "kettle orbit saffron lantern".toCharArray();
    private final SecureRandom random = new SecureRandom();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17})
    void whatWasSealedOpensUnchanged(int length) throws IOException {
        byte[] data = randomBytes(length);
        byte[] sealed = seal(data);

        assertThat(sealed)
                .hasSize(SealedArchive.HEADER_LENGTH + length + 16 * Math.max(1, (length + CHUNK - 1) / CHUNK));
        assertThat(open(sealed, PASSPHRASE)).isEqualTo(data);
    }

    @Test
    void theSameDataSealsDifferentlyEachTime() throws IOException {
        byte[] data = randomBytes(100);
        assertThat(seal(data)).isNotEqualTo(seal(data));
    }

    @Test
    void theDefaultParametersRoundTripAndAreWrittenIntoTheHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SealedArchive.Sealing sealing = SealedArchive.seal(out, PASSPHRASE, random)) {
            sealing.write(new byte[] {1, 2, 3});
            sealing.finish();
        }
        assertThat(open(out.toByteArray(), PASSPHRASE)).containsExactly(1, 2, 3);
    }

    @Test
    void aWrongPassphraseIsRefusedAsSuchBeforeAnyDataIsRead() throws IOException {
        byte[] sealed = seal(randomBytes(5000));
        assertThatThrownBy(() -> SealedArchive.open(new ByteArrayInputStream(sealed), "kettle orbit".toCharArray()))
                .isInstanceOf(ArchiveRefused.class)
                .hasMessageContaining("wrong passphrase")
                .extracting(e -> ((ArchiveRefused) e).reason())
                .isEqualTo(ArchiveRefused.Reason.WRONG_PASSPHRASE);
    }

    @Test
    void somethingElseIsNotAnArchive() {
        assertRefused("PK\3\4 a zip file, not a backup".getBytes(), ArchiveRefused.Reason.NOT_AN_ARCHIVE);
        assertRefused(new byte[0], ArchiveRefused.Reason.NOT_AN_ARCHIVE);
    }

    @Test
    void everyFlippedByteIsRefused() throws IOException {
        byte[] sealed = seal(randomBytes(2 * CHUNK + 100));
        // Every byte of the header and of the chunks; each flip alone makes the archive unusable.
        for (int i = 0; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            int at = i;
            assertThatThrownBy(() -> open(tampered, PASSPHRASE))
                    .as("flipped byte %d", at)
                    .isInstanceOf(ArchiveRefused.class);
        }
    }

    @Test
    void aFlippedDataByteIsDamageNotAWrongPassphrase() throws IOException {
        byte[] sealed = seal(randomBytes(2 * CHUNK + 100));
        sealed[SealedArchive.HEADER_LENGTH + CHUNK + 40] ^= 0x40;
        assertRefused(sealed, ArchiveRefused.Reason.DAMAGED);
    }

    @Test
    void aForgedHeaderCannotAskForGigabytesOfMemory() throws IOException {
        byte[] sealed = seal(randomBytes(10));
        // memoryKiB sits after magic, version, aead, kdf and lanes.
        sealed[12] = 0x7f;
        assertRefused(sealed, ArchiveRefused.Reason.DAMAGED);
    }

    @Test
    void anArchiveCutOffAtAChunkBoundaryIsRefusedAsTruncated() throws IOException {
        byte[] sealed = seal(randomBytes(3 * CHUNK + 10));
        int twoChunks = SealedArchive.HEADER_LENGTH + 2 * (CHUNK + 16);
        assertRefused(Arrays.copyOf(sealed, twoChunks), ArchiveRefused.Reason.TRUNCATED);
        assertRefused(Arrays.copyOf(sealed, SealedArchive.HEADER_LENGTH), ArchiveRefused.Reason.TRUNCATED);
        assertRefused(Arrays.copyOf(sealed, SealedArchive.HEADER_LENGTH - 5), ArchiveRefused.Reason.TRUNCATED);
    }

    @Test
    void anArchiveCutOffInsideAChunkIsRefused() throws IOException {
        byte[] sealed = seal(randomBytes(3 * CHUNK + 10));
        for (int cut : new int[] {sealed.length - 1, sealed.length - 20, SealedArchive.HEADER_LENGTH + 500}) {
            assertThatThrownBy(() -> open(Arrays.copyOf(sealed, cut), PASSPHRASE))
                    .isInstanceOf(ArchiveRefused.class);
        }
    }

    @Test
    void swappedDroppedRepeatedOrAppendedChunksAreRefused() throws IOException {
        byte[] sealed = seal(randomBytes(3 * CHUNK + 10));
        int h = SealedArchive.HEADER_LENGTH;
        int c = CHUNK + 16;
        byte[] first = Arrays.copyOfRange(sealed, h, h + c);
        byte[] second = Arrays.copyOfRange(sealed, h + c, h + 2 * c);
        byte[] rest = Arrays.copyOfRange(sealed, h + 2 * c, sealed.length);
        byte[] header = Arrays.copyOf(sealed, h);

        assertRefused(concat(header, second, first, rest), ArchiveRefused.Reason.DAMAGED);
        assertRefused(concat(header, second, rest), ArchiveRefused.Reason.DAMAGED);
        assertRefused(concat(header, first, first, second, rest), ArchiveRefused.Reason.DAMAGED);
        assertRefused(concat(sealed, first), ArchiveRefused.Reason.DAMAGED);
    }

    @Test
    void aChunkFromAnotherArchiveWithTheSamePassphraseIsRefused() throws IOException {
        byte[] one = seal(randomBytes(2 * CHUNK));
        byte[] other = seal(randomBytes(2 * CHUNK));
        int h = SealedArchive.HEADER_LENGTH;
        byte[] spliced = one.clone();
        System.arraycopy(other, h, spliced, h, CHUNK + 16);
        assertRefused(spliced, ArchiveRefused.Reason.DAMAGED);
    }

    @Test
    void aWriterClosedWithoutFinishingLeavesAnArchiveThatIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SealedArchive.Sealing sealing = SealedArchive.seal(out, PASSPHRASE, CHEAP, CHUNK, random)) {
            sealing.write(randomBytes(2 * CHUNK + 5));
            // a failure here: no finish()
        }
        assertRefused(out.toByteArray(), ArchiveRefused.Reason.TRUNCATED);
    }

    @Test
    void anEmptyPassphraseIsNotAccepted() {
        assertThatThrownBy(() -> SealedArchive.seal(new ByteArrayOutputStream(), new char[0], CHEAP, CHUNK, random))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private void assertRefused(byte[] archive, ArchiveRefused.Reason reason) {
        assertThatThrownBy(() -> open(archive, PASSPHRASE))
                .isInstanceOf(ArchiveRefused.class)
                .extracting(e -> ((ArchiveRefused) e).reason())
                .isEqualTo(reason);
    }

    private byte[] seal(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SealedArchive.Sealing sealing = SealedArchive.seal(out, PASSPHRASE, CHEAP, CHUNK, random)) {
            // Uneven writes, so chunking does not depend on how the caller writes.
            int i = 0;
            while (i < data.length) {
                int n = Math.min(data.length - i, 1 + random.nextInt(700));
                sealing.write(data, i, n);
                i += n;
            }
            sealing.finish();
        }
        return out.toByteArray();
    }

    private static byte[] open(byte[] archive, char[] passphrase) throws IOException {
        try (InputStream in = SealedArchive.open(new ByteArrayInputStream(archive), passphrase)) {
            return in.readAllBytes();
        }
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}

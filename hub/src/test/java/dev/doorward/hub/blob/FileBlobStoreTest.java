package dev.doorward.hub.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.blob.BlobStore.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Every regular file under the store, relative, sorted. */
    private List<String> files() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    @Test
    void roundTrip() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        byte[] data = bytes(200_000, 1);

        store.put(id, new ByteArrayInputStream(data), data.length);

        assertThat(store.read(id)).hasValueSatisfying(b -> assertThat(b).isEqualTo(data));
        try (InputStream in = store.open(id).orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(store.size(id)).hasValue(200_000);
        assertThat(store.exists(id)).isTrue();
        assertThat(files()).hasSize(1);
        // And a fresh store over the same directory (a restart) has it too.
        assertThat(new FileBlobStore(dir).read(id))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(data));
    }

    @Test
    void emptyBlobsAndUnknownIds() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId empty = BlobId.random();
        store.put(empty, new byte[0]);

        assertThat(store.read(empty)).hasValueSatisfying(b -> assertThat(b).isEmpty());
        BlobId unknown = BlobId.random();
        assertThat(store.read(unknown)).isEmpty();
        assertThat(store.open(unknown)).isEmpty();
        assertThat(store.size(unknown)).isEmpty();
        assertThat(store.exists(unknown)).isFalse();
        assertThat(store.delete(unknown)).isFalse();
    }

    @Test
    void storingAgainReplacesSoAResendIsHarmless() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        store.put(id, bytes(100, 1));
        store.put(id, bytes(50, 2));

        assertThat(store.read(id)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(50, 2)));
        assertThat(files()).hasSize(1);
    }

    @Test
    void idsDifferingOnlyInCaseAreDifferentBlobs() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId lower = BlobId.of("abcdefghijklmnopqrstuv");
        BlobId upper = BlobId.of("ABCDEFGHIJKLMNOPQRSTUV");
        store.put(lower, bytes(10, 1));
        store.put(upper, bytes(10, 2));

        assertThat(store.read(lower)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(10, 1)));
        assertThat(store.read(upper)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(10, 2)));
        // No file name differs only in case, so this holds on case-insensitive file systems too.
        assertThat(files().stream().map(String::toLowerCase).distinct()).hasSize(2);
    }

    @Test
    void concurrentPutsAllLandIntact() throws Exception {
        FileBlobStore store = new FileBlobStore(dir);
        Map<BlobId, byte[]> expected = new HashMap<>();
        List<Callable<Void>> puts = new ArrayList<>();
        BlobId shared = BlobId.random();
        for (int i = 0; i < 64; i++) {
            BlobId id = BlobId.random();
            byte[] data = bytes(10_000 + i * 1000, i);
            expected.put(id, data);
            puts.add(() -> {
                store.put(id, new ByteArrayInputStream(data), data.length);
                return null;
            });
            // Many writers of one id too: the last rename wins, and what is there is one whole version.
            int version = i;
            puts.add(() -> {
                store.put(shared, bytes(30_000, 1000 + version));
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (Future<Void> f : pool.invokeAll(puts)) {
                f.get();
            }
        }

        for (Map.Entry<BlobId, byte[]> e : expected.entrySet()) {
            assertThat(store.read(e.getKey()))
                    .hasValueSatisfying(b -> assertThat(b).isEqualTo(e.getValue()));
        }
        byte[] last = store.read(shared).orElseThrow();
        boolean oneWholeVersion = false;
        for (int i = 0; i < 64; i++) {
            oneWholeVersion |= java.util.Arrays.equals(last, bytes(30_000, 1000 + i));
        }
        assertThat(oneWholeVersion).isTrue();
        assertThat(files()).hasSize(65);
        try (Stream<StoredBlob> listed = store.list()) {
            assertThat(listed.map(StoredBlob::id)).hasSize(65).contains(shared).containsAll(expected.keySet());
        }
    }

    @Test
    void aCrashMidWriteLeavesNothingVisibleAndTheLeftoverIsCleanedAtStart() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId done = BlobId.random();
        store.put(done, bytes(1000, 1));
        BlobId interrupted = BlobId.random();
        // What a crash between writing and renaming leaves: a temp file named after the blob, next to where
        // it would go.
        Path target = store.path(interrupted);
        Files.createDirectories(target.getParent());
        Path leftover = target.getParent().resolve(FileBlobStore.TEMP_PREFIX + target.getFileName() + "-12345");
        Files.write(leftover, bytes(500, 2));
        Path leftoverAtTop = dir.resolve(FileBlobStore.TEMP_PREFIX + "whatever");
        Files.write(leftoverAtTop, bytes(10, 3));

        assertThat(store.exists(interrupted)).isFalse();
        assertThat(store.read(interrupted)).isEmpty();
        try (Stream<StoredBlob> listed = store.list()) {
            assertThat(listed.map(StoredBlob::id)).containsExactly(done);
        }

        FileBlobStore restarted = new FileBlobStore(dir);

        assertThat(leftover).doesNotExist();
        assertThat(leftoverAtTop).doesNotExist();
        assertThat(files()).containsExactly(dir.relativize(restarted.path(done)).toString());
        assertThat(restarted.read(done)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(1000, 1)));
    }

    @Test
    void aReaderFailingMidStreamStoresNothing() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        store.put(id, bytes(100, 1));
        InputStream failing = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 100_000) {
                    throw new IOException("connection reset");
                }
                return 7;
            }
        };

        assertThatThrownBy(() -> store.put(id, failing, 1_000_000)).hasMessage("connection reset");

        assertThat(store.read(id)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(100, 1)));
        assertThat(files()).hasSize(1);
    }

    @Test
    void idsThatCouldNameAnotherPathAreRefused() {
        for (String bad : List.of(
                "../../../../etc/passwd",
                "..",
                "/etc/passwd",
                "aaaaaaaaaaaaaaaaaaaa/a",
                "aaaaaaaaaaaaaaaaaaaa..",
                "aaaaaaaaaaaaaaaaaaaa\\a",
                "aaaaaaaaaaaaaaaaaaaaa\0",
                ".tmp-aaaaaaaaaaaaaaaaa",
                "aaaaaaaaaaaaaaaaaaaaaa ",
                "",
                "short")) {
            assertThatThrownBy(() -> BlobId.of(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> BlobId.of(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyBlobPathStaysInsideTheStore() {
        FileBlobStore store = new FileBlobStore(dir);
        for (int i = 0; i < 1000; i++) {
            Path p = store.path(BlobId.random());
            assertThat(p.normalize()).startsWithRaw(dir.toAbsolutePath().normalize());
            assertThat(p.getFileName().toString()).matches("[0-9a-f]{44}");
        }
    }

    @Test
    void anOversizedBlobIsRefusedAndLeavesNothingBehind() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();

        assertThatThrownBy(() -> store.put(id, new ByteArrayInputStream(bytes(1001, 1)), 1000))
                .isInstanceOf(BlobTooLargeException.class)
                .satisfies(e -> assertThat(((BlobTooLargeException) e).limit()).isEqualTo(1000));

        assertThat(store.exists(id)).isFalse();
        assertThat(files()).isEmpty();
        // Exactly the limit is fine.
        store.put(id, new ByteArrayInputStream(bytes(1000, 1)), 1000);
        assertThat(store.size(id)).hasValue(1000);
    }

    @Test
    void anEndlessStreamIsCutOffAtTheLimit() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        AtomicLong served = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served.incrementAndGet();
                return 1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                served.addAndGet(len);
                return len;
            }
        };

        assertThatThrownBy(() -> store.put(BlobId.random(), endless, 5_000_000))
                .isInstanceOf(BlobTooLargeException.class);

        assertThat(served.get()).isEqualTo(5_000_001);
        assertThat(files()).isEmpty();
    }

    @Test
    void anOversizedReplacementKeepsTheOldBlob() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        store.put(id, bytes(10, 1));

        assertThatThrownBy(() -> store.put(id, new ByteArrayInputStream(bytes(20, 2)), 15))
                .isInstanceOf(BlobTooLargeException.class);

        assertThat(store.read(id)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(10, 1)));
    }

    @Test
    void deleteRemovesTheFile() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId keep = BlobId.random();
        BlobId gone = BlobId.random();
        store.put(keep, bytes(10, 1));
        store.put(gone, bytes(10, 2));
        Path goneFile = store.path(gone);
        assertThat(goneFile).exists();

        assertThat(store.delete(gone)).isTrue();

        assertThat(goneFile).doesNotExist();
        assertThat(store.exists(gone)).isFalse();
        assertThat(store.delete(gone)).isFalse();
        assertThat(files()).containsExactly(dir.relativize(store.path(keep)).toString());
        // The bytes are not anywhere else in the directory either.
        try (Stream<StoredBlob> listed = store.list()) {
            assertThat(listed.map(StoredBlob::id)).containsExactly(keep);
        }
    }

    @Test
    void aStreamOpenedBeforeDeleteStillReadsButNewOpensDoNot() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        store.put(id, bytes(10, 1));
        try (InputStream in = store.open(id).orElseThrow()) {
            store.delete(id);
            assertThat(store.open(id)).isEmpty();
            assertThat(in.readAllBytes()).isEqualTo(bytes(10, 1));
        }
    }

    @Test
    void listingReportsSizesAndTimes() throws IOException {
        FileBlobStore store = new FileBlobStore(dir);
        BlobId id = BlobId.random();
        java.time.Instant before = java.time.Instant.now().minusSeconds(5);
        store.put(id, bytes(1234, 1));
        Files.writeString(dir.resolve("README"), "not a blob");

        try (Stream<StoredBlob> listed = store.list()) {
            List<StoredBlob> all = listed.toList();
            assertThat(all).hasSize(1);
            assertThat(all.get(0).id()).isEqualTo(id);
            assertThat(all.get(0).size()).isEqualTo(1234);
            assertThat(all.get(0).storedAt()).isAfter(before);
        }
    }

    @Test
    void filesAndDirectoriesAreOwnerOnly() throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        FileBlobStore store = new FileBlobStore(dir.resolve("blobs"));
        BlobId id = BlobId.random();
        store.put(id, bytes(10, 1));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.directory())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(store.path(id).getParent())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.path(id))))
                .isEqualTo("rw-------");
    }

    @Test
    void aNegativeLimitIsAProgrammingError() {
        FileBlobStore store = new FileBlobStore(dir);
        assertThatThrownBy(() -> store.put(BlobId.random(), new ByteArrayInputStream(new byte[0]), -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.doorward.hub.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.testing.TestHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running hub's blob store: under the data directory unless doorward.blob-dir says otherwise. */
class BlobStoreSettingTest {
    @TempDir
    Path dir;

    @Test
    void byDefaultBlobsLiveUnderTheDataDirectoryAndLeftoversAreCleanedAtStart() throws Exception {
        Path blobs = dir.resolve("hub").resolve("blobs");
        Files.createDirectories(blobs);
        Path leftover = blobs.resolve(FileBlobStore.TEMP_PREFIX + "interrupted");
        Files.writeString(leftover, "half a snapshot");

        try (TestHub hub = TestHub.start(dir)) {
            BlobStore store = hub.bean(BlobStore.class);
            BlobId id = BlobId.random();
            store.put(id, new byte[] {1, 2, 3});

            assertThat(leftover).doesNotExist();
            assertThat(((FileBlobStore) store).path(id))
                    .startsWithRaw(blobs.toAbsolutePath())
                    .exists();
        }
    }

    @Test
    void doorwardBlobDirMovesThem() throws Exception {
        Path elsewhere = dir.resolve("elsewhere");
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.blob-dir", elsewhere.toString()))) {
            BlobStore store = hub.bean(BlobStore.class);
            BlobId id = BlobId.random();
            store.put(id, new byte[] {1, 2, 3});

            assertThat(((FileBlobStore) store).path(id))
                    .startsWithRaw(elsewhere.toAbsolutePath())
                    .exists();
            assertThat(dir.resolve("hub").resolve("blobs")).doesNotExist();
        }
    }
}

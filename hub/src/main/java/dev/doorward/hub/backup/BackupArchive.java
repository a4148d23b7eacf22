package dev.doorward.hub.backup;

import dev.doorward.crypto.backup.SealedArchive;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The backup archive: a zip inside a {@link SealedArchive}. It holds {@code manifest.json} (format, schema
 * version, tables and columns, where the blobs lived), one {@code database/<table>.copy} per table,
 * {@code database/sequences.json}, the data directory's files under {@code data/} (everything but the
 * PostgreSQL cluster, which the dump replaces, so files other features add later are included without a
 * change here) and the blob store under {@code blobs/}.
 *
 * <p>Extracting writes into a directory that becomes the restored data directory, with the dump under
 * {@code restore/} for the hub to load on its first start ({@link PendingRestore}).
 */
final class BackupArchive {
    static final int FORMAT = 1;
    /** Where the hub keeps a restored dump until its first start has loaded it. */
    static final String RESTORE_DIR = "restore";
    /** The embedded PostgreSQL's cluster under the data directory: replaced by the dump, never copied. */
    static final String DATABASE_CLUSTER_DIR = "postgres";

    /**
     * What of the data directory's top level is not backed up: the embedded database (its cluster with its
     * generated passwords, its lock file, its unpacked programs — a restored hub makes new ones) and a restore
     * waiting to be loaded.
     */
    static final Set<String> NOT_BACKED_UP =
            Set.of(DATABASE_CLUSTER_DIR, DATABASE_CLUSTER_DIR + ".lock", "postgres-binaries", RESTORE_DIR);

    private static final Pattern TABLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final FileAttribute<?> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /** What {@code manifest.json} says. {@code blobDir} is the blob store's place inside the data dir, if it was. */
    record Manifest(
            int format, String createdAt, String schemaVersion, Map<String, List<String>> tables, String blobDir) {}

    /** What one backup contained, for the log line. */
    record Summary(Path archive, String schemaVersion, int tables, int files, int blobs, long bytes) {}

    private BackupArchive() {}

    /**
     * Writes a backup of the hub to {@code target}: first under a temporary name beside it (owner-only), renamed
     * into place only once the archive is finished and on disk, so a failed backup never leaves a file that
     * looks like a backup.
     */
    static Summary write(
            Path target,
            char[] passphrase,
            Connection database,
            Path dataDir,
            Path blobDir,
            Clock clock,
            SecureRandom random)
            throws IOException, SQLException {
        Path absolute = target.toAbsolutePath();
        Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PRIVATE_FILE);
        try {
            Counts counts = new Counts();
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE);
                    OutputStream file = Channels.newOutputStream(channel);
                    SealedArchive.Sealing sealed = SealedArchive.seal(file, passphrase, random)) {
                ZipOutputStream zip = new ZipOutputStream(sealed);
                String version = writeContents(zip, database, dataDir, blobDir, clock, counts);
                counts.version = version;
                zip.finish();
                sealed.finish();
                channel.force(true);
            }
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Directories.sync(absolute.getParent());
            return new Summary(
                    absolute, counts.version, counts.tables, counts.files, counts.blobs, Files.size(absolute));
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static final class Counts {
        String version;
        int tables;
        int files;
        int blobs;
    }

    private static String writeContents(
            ZipOutputStream zip, Connection database, Path dataDir, Path blobDir, Clock clock, Counts counts)
            throws IOException, SQLException {
        Path data = dataDir.toAbsolutePath().normalize();
        Path blobs = blobDir.toAbsolutePath().normalize();
        String blobInside = blobs.startsWith(data) && !blobs.equals(data) ? relative(data, blobs) : null;
        String[] version = new String[1];
        // Ciphertext dumps compress well as text; blobs are sealed media and do not compress at all.
        zip.setLevel(Deflater.BEST_SPEED);
        Map<String, Long> sequences = DatabaseDump.dump(
                database,
                schema -> {
                    for (String table : schema.columns().keySet()) {
                        if (!TABLE_NAME.matcher(table).matches()) {
                            throw new IOException("table name not backed up safely: " + table);
                        }
                    }
                    version[0] = schema.version();
                    counts.tables = schema.columns().size();
                    putJson(
                            zip,
                            "manifest.json",
                            new Manifest(
                                    FORMAT,
                                    clock.instant().toString(),
                                    schema.version(),
                                    schema.columns(),
                                    blobInside));
                },
                new DatabaseDump.TableSink() {
                    @Override
                    public OutputStream open(String table) throws IOException {
                        zip.putNextEntry(new ZipEntry("database/" + table + ".copy"));
                        return new FilterOutputStream(zip) {
                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                out.write(b, off, len);
                            }

                            @Override
                            public void close() {
                                // the entry is closed by the sink, the zip by the archive
                            }
                        };
                    }

                    @Override
                    public void close(String table) throws IOException {
                        zip.closeEntry();
                    }
                });
        putJson(zip, "database/sequences.json", sequences);
        // Database first, files after: a blob the snapshot names was written before it and is found below.
        counts.files = putTree(zip, data, "data/", path -> skipInDataDir(data, blobs, path));
        zip.setLevel(Deflater.NO_COMPRESSION);
        counts.blobs = putTree(zip, blobs, "blobs/", path -> false);
        return version[0];
    }

    /** The database and a pending restore ({@link #NOT_BACKED_UP}), and the blob store (its own section). */
    private static boolean skipInDataDir(Path data, Path blobs, Path path) {
        return (data.equals(path.getParent())
                        && NOT_BACKED_UP.contains(path.getFileName().toString()))
                || path.equals(blobs);
    }

    private static int putTree(ZipOutputStream zip, Path root, String prefix, Predicate<Path> skip) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return skip.test(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                // Regular files only: no sockets or links; no half-written temp files of the blob store or PKI.
                String name = file.getFileName().toString();
                boolean temp = name.startsWith(".tmp-") || (name.startsWith(".") && name.endsWith(".tmp"));
                if (attrs.isRegularFile() && !temp && !skip.test(file)) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // removed while the backup ran (a deleted event's blob)
                }
                throw e;
            }
        });
        int written = 0;
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                ZipEntry entry = new ZipEntry(prefix + relative(root, file));
                entry.setLastModifiedTime(Files.getLastModifiedTime(file));
                zip.putNextEntry(entry);
                in.transferTo(zip);
                zip.closeEntry();
                written++;
            } catch (NoSuchFileException e) {
                // removed between listing and reading
            }
        }
        return written;
    }

    private static String relative(Path root, Path file) {
        List<String> parts = new ArrayList<>();
        root.relativize(file).forEach(p -> parts.add(p.toString()));
        return String.join("/", parts);
    }

    private static void putJson(ZipOutputStream zip, String name, Object value) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(JSON.writeValueAsBytes(value));
        zip.closeEntry();
    }

    /** What an extraction produced: the manifest, and how many data files and blobs it wrote. */
    record Extracted(Manifest manifest, int files, int blobs) {}

    /**
     * Opens a sealed archive and writes its contents into {@code dataDir} (which must exist and be empty): the
     * data files, the blobs (into {@code blobDir} when given, else where they were inside the data directory, else
     * {@code blobs}), and the dump under {@code restore/}. Reads the archive to its verified end; an exception
     * means the directory holds a partial, unverified extraction that the caller must discard.
     */
    static Extracted extract(InputStream sealed, char[] passphrase, Path dataDir, Path blobDir) throws IOException {
        InputStream plain = SealedArchive.open(sealed, passphrase);
        ZipInputStream zip = new ZipInputStream(plain);
        Manifest manifest = null;
        int files = 0;
        int blobs = 0;
        Path restore = dataDir.resolve(RESTORE_DIR);
        Path blobRoot = null;
        ZipEntry entry;
        while ((entry = zip.getNextEntry()) != null) {
            String name = entry.getName();
            if (manifest == null) {
                if (!name.equals("manifest.json")) {
                    throw new IOException("the archive does not start with its manifest");
                }
                manifest = JSON.readValue(zip.readAllBytes(), Manifest.class);
                if (manifest.format() != FORMAT) {
                    throw new IOException("archive format " + manifest.format() + " is not one this hub reads");
                }
                copyTo(
                        restore.resolve("manifest.json"),
                        new ByteArrayInputStream(JSON.writeValueAsBytes(manifest)),
                        null);
                blobRoot = blobDir != null
                        ? blobDir
                        : dataDir.resolve(manifest.blobDir() != null ? safeRelative(manifest.blobDir()) : "blobs");
                continue;
            }
            if (name.equals("database/sequences.json")) {
                copyTo(restore.resolve("sequences.json"), zip, null);
            } else if (name.startsWith("database/") && name.endsWith(".copy")) {
                String table = name.substring("database/".length(), name.length() - ".copy".length());
                if (!TABLE_NAME.matcher(table).matches() || !manifest.tables().containsKey(table)) {
                    throw new IOException("unexpected table in the archive: " + table);
                }
                copyTo(restore.resolve("tables").resolve(table + ".copy"), zip, null);
            } else if (name.startsWith("data/")) {
                copyTo(resolveInside(dataDir, name.substring("data/".length())), zip, entry.getLastModifiedTime());
                files++;
            } else if (name.startsWith("blobs/")) {
                copyTo(resolveInside(blobRoot, name.substring("blobs/".length())), zip, entry.getLastModifiedTime());
                blobs++;
            } else {
                throw new IOException("unexpected entry in the archive: " + name);
            }
        }
        if (manifest == null) {
            throw new IOException("the archive is empty");
        }
        // The zip ends before the sealed stream does: read to its end, where the last chunk is verified.
        byte[] rest = new byte[8192];
        while (plain.read(rest) != -1) {
            // the zip's central directory, already known from the entries
        }
        if (blobRoot != null) {
            Files.createDirectories(blobRoot, PRIVATE_DIR);
        }
        return new Extracted(manifest, files, blobs);
    }

    /** The dump extracted into a data directory: what {@link PendingRestore} loads. */
    static Manifest readPendingManifest(Path dataDir) throws IOException {
        return JSON.readValue(
                dataDir.resolve(RESTORE_DIR).resolve("manifest.json").toFile(), Manifest.class);
    }

    static Map<String, Long> readPendingSequences(Path dataDir) throws IOException {
        Path file = dataDir.resolve(RESTORE_DIR).resolve("sequences.json");
        return new LinkedHashMap<>(JSON.readValue(file.toFile(), new TypeReference<Map<String, Long>>() {}));
    }

    static Path pendingTable(Path dataDir, String table) {
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        return dataDir.resolve(RESTORE_DIR).resolve("tables").resolve(table + ".copy");
    }

    private static void copyTo(Path target, InputStream from, FileTime modified) throws IOException {
        Files.createDirectories(target.getParent(), PRIVATE_DIR);
        try (OutputStream out =
                Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            from.transferTo(out);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        if (modified != null) {
            // Keeps the blob store's age-based orphan sweep meaningful after a restore.
            Files.setLastModifiedTime(target, modified);
        }
    }

    /** A path from the archive, refused unless it stays inside {@code root}: no absolute paths, no "..". */
    private static Path resolveInside(Path root, String relative) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        Path resolved = base.resolve(safeRelative(relative)).normalize();
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw new IOException("the archive names a file outside its directory: " + relative);
        }
        return resolved;
    }

    private static String safeRelative(String relative) throws IOException {
        if (relative.isEmpty() || relative.startsWith("/") || relative.contains("\\") || relative.contains("\0")) {
            throw new IOException("the archive names an unsafe path: " + relative);
        }
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IOException("the archive names an unsafe path: " + relative);
            }
        }
        return relative;
    }
}

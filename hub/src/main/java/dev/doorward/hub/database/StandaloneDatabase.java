package dev.doorward.hub.database;

import dev.doorward.hub.config.TrustedProxies;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A PostgreSQL for a cluster of hub nodes, with no other PostgreSQL installed: the hub's embedded server with its
 * locked-down settings (fsync on, SCRAM passwords only, the nodes as the hub's role and nothing more), run on its own
 * until stopped (SIGTERM or Ctrl-C: a fast shutdown). {@code ./doorward cluster} runs it (docs/cluster.md); a
 * production cluster runs a highly available PostgreSQL instead.
 *
 * <pre>
 * java -cp doorward-hub-exec.jar -Dloader.main=dev.doorward.hub.database.StandaloneDatabase \
 *     org.springframework.boot.loader.launch.PropertiesLauncher \
 *     --data-dir DIR --password-file FILE [--listen 127.0.0.1] [--port 5432] [--nodes 127.0.0.0/8 ...]
 * </pre>
 *
 * The nodes then set {@code doorward.database.url=jdbc:postgresql://<listen>:<port>/doorward},
 * {@code doorward.database.username=doorward} and {@code doorward.database.password-file=FILE}.
 */
public final class StandaloneDatabase implements AutoCloseable {
    static final String READY = "Doorward database ready:";

    private final EmbeddedDatabase server;
    private final Settings settings;

    /**
     * @param dataDir the server's data directory (created on the first start; the password lives in it too)
     * @param passwordFile where the hub role's password is copied for the nodes (0600)
     * @param listen the address the nodes reach it at
     * @param port 0 for a free one
     * @param nodes the networks (CIDR) nodes connect from
     * @param binaries where the PostgreSQL programs are unpacked
     */
    record Settings(Path dataDir, Path passwordFile, InetAddress listen, int port, List<String> nodes, Path binaries) {
        static Settings parse(String[] args) {
            Path dataDir = null;
            Path passwordFile = null;
            String listen = "127.0.0.1";
            int port = 5432;
            List<String> nodes = new ArrayList<>();
            Path binaries = null;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                String value = args[++i];
                switch (name) {
                    case "--data-dir" -> dataDir = Path.of(value);
                    case "--password-file" -> passwordFile = Path.of(value);
                    case "--listen" -> listen = value;
                    case "--port" -> port = Integer.parseInt(value);
                    case "--nodes" -> nodes.add(value);
                    case "--binaries-dir" -> binaries = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (dataDir == null || passwordFile == null) {
                throw new IllegalArgumentException("--data-dir and --password-file are required");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be 0..65535");
            }
            InetAddress address = TrustedProxies.literal(listen);
            if (address == null) {
                throw new IllegalArgumentException("--listen takes an IP address, not " + listen);
            }
            if (nodes.isEmpty()) {
                nodes.add(address.isLoopbackAddress() ? "127.0.0.0/8" : address.getHostAddress() + "/32");
            }
            return new Settings(
                    dataDir,
                    passwordFile,
                    address,
                    port,
                    nodes,
                    binaries != null ? binaries : dataDir.resolveSibling("postgres-binaries"));
        }
    }

    private StandaloneDatabase(EmbeddedDatabase server, Settings settings) {
        this.server = server;
        this.settings = settings;
    }

    static StandaloneDatabase start(Settings settings) throws IOException {
        EmbeddedDatabase server = EmbeddedDatabase.start(
                settings.dataDir(),
                settings.binaries(),
                new SecureRandom(),
                new EmbeddedDatabase.Serving(settings.listen(), settings.port(), settings.nodes(), 200));
        try {
            copyPassword(server.hubPassword(), settings.passwordFile());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return new StandaloneDatabase(server, settings);
    }

    /** The JDBC URL nodes use. */
    String url() {
        String host = settings.listen().getHostAddress();
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port() + "/"
                + EmbeddedDatabase.HUB_DATABASE;
    }

    int port() {
        return server.port();
    }

    /** A new 0600 file, moved into place: the password is never readable by others, not even for a moment. */
    private static void copyPassword(String password, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path pending = Files.createTempFile(
                parent,
                ".pending-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pending, password + "\n");
        Files.move(pending, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        server.close();
    }

    public static void main(String[] args) {
        // Outside Spring Boot, Logback would print every library's debug lines.
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
        // Stopped by a signal: the JVM is already shutting down, and exits once the server is stopped.
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("StandaloneDatabase: " + e.getMessage());
            err.println("usage: --data-dir DIR --password-file FILE [--listen ADDRESS] [--port PORT]"
                    + " [--nodes CIDR]... [--binaries-dir DIR]");
            return 2;
        }
        StandaloneDatabase database;
        try {
            database = start(settings);
        } catch (IOException | RuntimeException e) {
            err.println("StandaloneDatabase: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            database.close();
            stopped.countDown();
        }));
        out.println(READY + " " + database.url() + " user " + EmbeddedDatabase.HUB_ROLE + ", password in "
                + settings.passwordFile());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}

package dev.doorward.hub.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * How the backup command reaches a running hub's database from outside the hub: an external PostgreSQL with the
 * same settings the hub has ({@code doorward.database.*}), or the hub's embedded one, found through the port in
 * its {@code postmaster.pid}, on loopback. This is the one place that knows how the embedded server is entered:
 * as the hub's own role ({@code doorward}, password in the cluster's 0600 {@code hub-password} file) where the
 * hub has one, else as the embedded library's {@code postgres} user of older data directories.
 */
record HubDatabase(String url, String username, Path passwordFile) {
    /** Written by the hub's embedded database (database.EmbeddedDatabase) into its cluster directory. */
    static final String HUB_PASSWORD_FILE = "hub-password";

    static final String HUB_ROLE_AND_DATABASE = "doorward";

    static HubDatabase external(String url, String username, Path passwordFile) {
        return new HubDatabase(url, username, passwordFile);
    }

    /** The embedded PostgreSQL of the hub whose data directory is {@code dataDir}; it must be running. */
    static HubDatabase embedded(Path dataDir) throws IOException {
        Path cluster = dataDir.resolve(BackupArchive.DATABASE_CLUSTER_DIR);
        Path pidFile = cluster.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            throw new BackupRefused("no running hub database in " + dataDir.toAbsolutePath()
                    + " (no postmaster.pid): a backup is taken while the hub runs; start it, or check --data-dir");
        }
        // postmaster.pid: pid, data directory, start time, port, socket directory, listen address, ...
        List<String> lines = Files.readAllLines(pidFile);
        int port;
        try {
            port = Integer.parseInt(lines.get(3).strip());
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            throw new BackupRefused("cannot read the database port from " + pidFile);
        }
        Path hubPassword = cluster.resolve(HUB_PASSWORD_FILE);
        if (Files.isRegularFile(hubPassword)) {
            return new HubDatabase(
                    "jdbc:postgresql://127.0.0.1:" + port + "/" + HUB_ROLE_AND_DATABASE,
                    HUB_ROLE_AND_DATABASE,
                    hubPassword);
        }
        return new HubDatabase("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null);
    }

    Connection connect() throws SQLException, IOException {
        Properties properties = new Properties();
        properties.setProperty("user", username);
        properties.setProperty("ApplicationName", "doorward-backup");
        if (passwordFile != null) {
            properties.setProperty("password", Files.readString(passwordFile).strip());
        }
        return DriverManager.getConnection(url, properties);
    }
}

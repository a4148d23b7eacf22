package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.testing.TestHub;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's database ({@code ./doorward cluster}): the real main in a process of its own, as the launcher runs
 * it. It serves the hub's role with the password it writes (0600), refuses a wrong one and the superuser from the
 * network, keeps the hub's durable settings, and stops cleanly on SIGTERM.
 */
class StandaloneDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void servesTheNodesWithItsPasswordOnlyAndStopsCleanlyOnSigterm() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Path data = dir.resolve("database");
        Path passwordFile = dir.resolve("secrets").resolve("database-password");
        Process process = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        StandaloneDatabase.class.getName(),
                        "--data-dir",
                        data.toString(),
                        "--password-file",
                        passwordFile.toString(),
                        "--listen",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--binaries-dir",
                        TestHub.POSTGRES_BINARIES.toString()))
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader output =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> {
                        try {
                            for (String line = output.readLine(); line != null; line = output.readLine()) {
                                if (line.startsWith(StandaloneDatabase.READY)) {
                                    return line;
                                }
                            }
                            return "";
                        } catch (java.io.IOException e) {
                            return "";
                        }
                    })
                    .get(90, TimeUnit.SECONDS);
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/doorward";
            assertThat(ready).contains(url);
            // Drain the rest, so the process never blocks on a full pipe.
            Thread.ofVirtual().start(() -> {
                try {
                    output.transferTo(java.io.Writer.nullWriter());
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });

            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
                    .isEqualTo("rw-------");
            String password = Files.readString(passwordFile).strip();
            try (Connection node = connect(url, "doorward", password);
                    ResultSet fsync = node.createStatement().executeQuery("show fsync")) {
                fsync.next();
                assertThat(fsync.getString(1)).isEqualTo("on");
                try (ResultSet superuser = node.createStatement()
                        .executeQuery("select rolsuper from pg_roles where rolname = current_user")) {
                    superuser.next();
                    assertThat(superuser.getBoolean(1)).isFalse();
                }
            }
            assertThatThrownBy(() -> connect(url, "doorward", password + "x"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            assertThatThrownBy(() -> connect(url, "postgres", password)).isInstanceOf(SQLException.class);

            process.destroy(); // SIGTERM, as Ctrl-C on ./doorward cluster
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.exists(data.resolve("postmaster.pid")))
                    .as("the server stopped with it")
                    .isFalse();
            assertThatThrownBy(() -> connect(url, "doorward", password)).isInstanceOf(SQLException.class);
        } finally {
            // A failed assertion must not leave the server running: SIGTERM stops it with its main.
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static Connection connect(String url, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, properties);
    }
}

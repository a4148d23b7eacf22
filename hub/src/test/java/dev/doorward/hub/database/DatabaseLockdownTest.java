package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The embedded PostgreSQL is closed to everyone but the hub: no password, no way in, not for another local user,
 * not over loopback nor over its Unix socket; the hub's own role cannot run programs on the server.
 */
class DatabaseLockdownTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheHubWithItsPasswordGetsIn() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Path data = hub.dataDir().resolve("postgres");
            int port = port(data);
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/";

            assertThat(permissions(data)).isEqualTo("rwx------");
            assertThat(permissions(data.resolve("socket"))).isEqualTo("rwx------");
            assertThat(permissions(data.resolve("hub-password"))).isEqualTo("rw-------");
            assertThat(permissions(data.resolve("superuser-password"))).isEqualTo("rw-------");
            assertThat(Files.readString(data.resolve("pg_hba.conf")))
                    .doesNotContainPattern("(?m)^[^#]*\\btrust\\b")
                    .doesNotContainPattern("(?m)^[^#]*\\b(peer|ident|password|md5)\\b");

            // Without the password, or with a wrong one, nobody gets in: not the superuser, not the hub's role.
            for (String user : List.of("postgres", "doorward")) {
                assertThatThrownBy(() -> DriverManager.getConnection(url + "postgres", user, null)
                                .close())
                        .isInstanceOf(SQLException.class);
                assertThatThrownBy(() -> DriverManager.getConnection(url + "doorward", user, "postgres")
                                .close())
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("password authentication failed");
            }

            // The hub's role: owns its database, is no superuser, cannot run a program on the server.
            JdbcClient jdbc = hub.bean(JdbcClient.class);
            assertThat(jdbc.sql("select current_user || ' ' || current_database()")
                            .query(String.class)
                            .single())
                    .isEqualTo("doorward doorward");
            assertThat(jdbc.sql("select rolsuper from pg_roles where rolname = current_user")
                            .query(Boolean.class)
                            .single())
                    .isFalse();
            assertThat(jdbc.sql("select pg_get_userbyid(datdba) from pg_database where datname = 'doorward'")
                            .query(String.class)
                            .single())
                    .isEqualTo("doorward");
            Path marker = dir.resolve("ran-a-program");
            assertThatThrownBy(() -> jdbc.sql("copy (select 1) to program 'touch " + marker + "'")
                            .update())
                    .rootCause()
                    .hasMessageContaining("pg_execute_server_program");
            assertThat(marker).doesNotExist();

            // Durable: what the hub acknowledged is on disk.
            assertThat(jdbc.sql("show fsync").query(String.class).single()).isEqualTo("on");
            assertThat(jdbc.sql("show synchronous_commit").query(String.class).single())
                    .isEqualTo("on");
            assertThat(jdbc.sql("show listen_addresses").query(String.class).single())
                    .isEqualTo("127.0.0.1");
        }
    }

    @Test
    void anotherLocalUserCannotConnectOverLoopbackNorTheSocket() throws Exception {
        assumeThat(System.getProperty("user.name")).as("runuser needs root").isEqualTo("root");
        assumeThat(Path.of("/usr/bin/psql")).as("the PostgreSQL client").exists();
        try (TestHub hub = TestHub.start(dir)) {
            Path data = hub.dataDir().resolve("postgres");
            String port = Integer.toString(port(data));
            Path socketDir = data.resolve("socket");
            assertThat(socketDir.resolve(".s.PGSQL." + port)).exists();

            Result loopback = asNobody("psql", "-w", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", "select 1");
            assertThat(loopback.exit()).isNotZero();
            assertThat(loopback.output()).contains("password");

            Result socket =
                    asNobody("psql", "-w", "-h", socketDir.toString(), "-p", port, "-U", "postgres", "-c", "select 1");
            assertThat(socket.exit()).isNotZero();
            assertThat(socket.output()).containsIgnoringCase("permission denied");

            // The control: the same client as nobody does reach a server that lets it in (so the refusals above
            // are the hub's doing, not a broken client).
            try (EmbeddedPostgres open = EmbeddedPostgres.builder().start()) {
                Result trusting = asNobody(
                        "psql",
                        "-w",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(open.getPort()),
                        "-U",
                        "postgres",
                        "-tAc",
                        "select 42");
                assertThat(trusting.output().strip()).isEqualTo("42");
            }
        }
    }

    @Test
    void anOlderDataDirectoryWithTrustAndASuperuserIsUpgradedInPlace() throws Exception {
        Path data = dir.resolve("hub").resolve("postgres");
        Files.createDirectories(data.getParent());
        // What earlier hubs left: zonky's trust set-up, the hub's tables in "postgres", owned by the superuser.
        try (EmbeddedPostgres older = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .start()) {
            DataSource superuser = older.getPostgresDatabase();
            Flyway.configure()
                    .dataSource(superuser)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            try (Connection c = superuser.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("create table kept_from_before (note text)");
                s.execute("insert into kept_from_before values ('still here')");
            }
        }

        try (TestHub hub = TestHub.start(dir)) {
            JdbcClient jdbc = hub.bean(JdbcClient.class);
            assertThat(jdbc.sql("select note from kept_from_before")
                            .query(String.class)
                            .single())
                    .isEqualTo("still here");
            assertThat(jdbc.sql("select count(*) from flyway_schema_history where success")
                            .query(Integer.class)
                            .single())
                    .as("every migration the hub ships ran, the older ones before and the newer ones at this start")
                    .isEqualTo(new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                            .getResources("classpath:db/migration/V*.sql")
                            .length);
            assertThat(jdbc.sql("select distinct tableowner from pg_tables where schemaname = 'public'")
                            .query(String.class)
                            .list())
                    .containsExactly("doorward");
            assertThat(jdbc.sql("select current_database()").query(String.class).single())
                    .isEqualTo("doorward");
            assertThat(Household.firstOwner(hub).browser().get("/api/devices").status())
                    .isEqualTo(200);

            String url = "jdbc:postgresql://127.0.0.1:" + port(data) + "/postgres";
            assertThatThrownBy(() ->
                            DriverManager.getConnection(url, "postgres", null).close())
                    .isInstanceOf(SQLException.class);
            assertThat(permissions(data.resolve("superuser-password"))).isEqualTo("rw-------");
        }
    }

    private static int port(Path data) throws Exception {
        return Integer.parseInt(
                Files.readAllLines(data.resolve("postmaster.pid")).get(3).strip());
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    record Result(int exit, String output) {}

    /** Runs a command as the unprivileged local user "nobody", from a directory it may read. */
    private static Result asNobody(String... command) throws Exception {
        List<String> full = new java.util.ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full)
                .directory(Path.of("/").toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}

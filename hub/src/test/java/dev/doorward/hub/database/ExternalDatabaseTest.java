package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Production points the hub at its own PostgreSQL: the password comes from a file, never from configuration. */
class ExternalDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void theHubRunsOnAnExternalPostgresql() throws Exception {
        try (EmbeddedPostgres external = EmbeddedPostgres.builder().start()) {
            Path passwordFile = dir.resolve("db-password");
            Files.writeString(passwordFile, "postgres\n");
            Map<String, String> settings = Map.of(
                    "doorward.database.url",
                            external.getJdbcUrl("postgres", "postgres").replaceAll("\\?.*", ""),
                    "doorward.database.username", "postgres",
                    "doorward.database.password-file", passwordFile.toString());
            try (TestHub hub = TestHub.start(dir, settings)) {
                Household owner = Household.firstOwner(hub);
                assertThat(owner.browser().get("/api/devices").status()).isEqualTo(200);
                assertThat(Files.exists(hub.dataDir().resolve("postgres"))).isFalse();
            }
            try (var connection = external.getPostgresDatabase().getConnection();
                    var rows = connection.createStatement().executeQuery("select username from accounts")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("owner");
            }
            // A single hub keeps its keys in its data directory and its limits in memory: nothing of a cluster's.
            for (String table : List.of("cluster_hub_keys", "cluster_rate_buckets", "cluster_chores")) {
                try (var connection = external.getPostgresDatabase().getConnection();
                        var rows = connection.createStatement().executeQuery("select count(*) from " + table)) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getInt(1)).as(table).isZero();
                }
            }
        }
    }
}

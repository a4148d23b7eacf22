package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.ApplicationEventMulticaster;

/**
 * The hub notices a lost database within seconds, says so (health, an event, 503s that come at once), restarts its
 * embedded PostgreSQL and carries on without a restart of its own.
 */
@ExtendWith(OutputCaptureExtension.class)
class DatabaseOutageTest {
    @TempDir
    Path dir;

    @Test
    void aFrozenDatabaseIsReportedRequestsFailFastAndTheHubRecoversWhenItThaws() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            List<Boolean> changes = healthChanges(hub);
            BrowserClient anonymous = hub.browser();
            BrowserClient.Response healthy = anonymous.get("/api/health");
            assertThat(healthy.status()).isEqualTo(200);
            assertThat(healthy.json().toString()).isEqualTo("{\"status\":\"up\",\"database\":\"up\"}");
            BrowserClient owner = Household.firstOwner(hub).browser();

            List<Long> server = serverProcesses(hub);
            signal("-STOP", server);
            try {
                waitUntil(
                        Duration.ofSeconds(10),
                        () -> anonymous.get("/api/health").status() == 503);
                assertThat(anonymous.get("/api/health").json().toString())
                        .isEqualTo("{\"status\":\"degraded\",\"database\":\"down\"}");
                assertThat(changes).containsExactly(false);

                long asked = System.nanoTime();
                BrowserClient.Response refused = owner.get("/api/devices");
                Duration took = Duration.ofNanos(System.nanoTime() - asked);
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Content-Type"))
                        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
                assertThat(refused.header("Retry-After")).contains("5");
                assertThat(took).isLessThan(Duration.ofSeconds(1));
            } finally {
                signal("-CONT", server);
            }

            waitUntil(Duration.ofSeconds(10), () -> anonymous.get("/api/health").status() == 200);
            assertThat(changes).containsExactly(false, true);
            assertThat(owner.get("/api/devices").status()).isEqualTo(200);
        }
    }

    @Test
    void aKilledDatabaseIsStartedAgainAndThePoolReconnects(CapturedOutput output) throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            List<Boolean> changes = healthChanges(hub);
            BrowserClient owner = Household.firstOwner(hub).browser();
            assertThat(owner.get("/api/devices").status()).isEqualTo(200);
            long killed = postmasterPid(hub);

            ProcessHandle.of(killed).orElseThrow().destroyForcibly();

            waitUntil(Duration.ofSeconds(30), () -> changes.size() >= 2);
            assertThat(changes).containsExactly(false, true);
            assertThat(postmasterPid(hub)).isNotEqualTo(killed);
            waitUntil(Duration.ofSeconds(10), () -> owner.get("/api/devices").status() == 200);
            // What was stored before the kill is still there.
            assertThat(hub.browser().login("owner", Household.PASSWORD).status())
                    .isBetween(200, 299);
            assertThat(output.getOut()).contains("The embedded PostgreSQL has stopped; starting it again");
        }
    }

    @Test
    void aStopWhileTheDatabaseIsDownIsQuickAndQuiet(CapturedOutput output) throws Exception {
        TestHub hub = TestHub.start(dir);
        try {
            Household.firstOwner(hub);
            BrowserClient anonymous = hub.browser();
            signal("-STOP", serverProcesses(hub));
            waitUntil(Duration.ofSeconds(10), () -> anonymous.get("/api/health").status() == 503);
            int before = output.getOut().length();

            long stopping = System.nanoTime();
            hub.close();
            Duration took = Duration.ofNanos(System.nanoTime() - stopping);

            assertThat(took).isLessThan(Duration.ofSeconds(15));
            String stopLog = output.getOut().substring(before);
            assertThat(stopLog).doesNotContain("\tat ").doesNotContain(" ERROR ");
        } finally {
            hub.close();
        }
    }

    /** Every DatabaseHealthChanged the hub publishes from now on, in order. */
    private static List<Boolean> healthChanges(TestHub hub) {
        List<Boolean> changes = new CopyOnWriteArrayList<>();
        hub.bean(ApplicationEventMulticaster.class).addApplicationListener(event -> {
            if (event instanceof PayloadApplicationEvent<?> payload
                    && payload.getPayload() instanceof DatabaseHealthChanged changed) {
                changes.add(changed.up());
            }
        });
        return changes;
    }

    private static long postmasterPid(TestHub hub) throws Exception {
        return Long.parseLong(Files.readAllLines(hub.dataDir().resolve("postgres/postmaster.pid"))
                .get(0)
                .strip());
    }

    /** The server and every process it started (the backends behind the pool's connections). */
    private static List<Long> serverProcesses(TestHub hub) throws Exception {
        ProcessHandle postmaster = ProcessHandle.of(postmasterPid(hub)).orElseThrow();
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster.pid());
        postmaster.descendants().forEach(p -> pids.add(p.pid()));
        return pids;
    }

    private static void signal(String signal, List<Long> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}

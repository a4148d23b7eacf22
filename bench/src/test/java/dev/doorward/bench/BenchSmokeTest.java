package dev.doorward.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A short run of every scenario (tiny fleet, seconds): a real hub process, a real load generator process,
 * and Mosquitto when installed. It checks that the run produces a complete table — never how fast anything is.
 */
class BenchSmokeTest {
    private static Bench.Result result;
    private static boolean mosquittoInstalled;

    @BeforeAll
    static void run() throws Exception {
        Path hubJar =
                Path.of(System.getProperty("doorward.hub.jar", "../hub/target/doorward-hub-0.1.0-SNAPSHOT-exec.jar"));
        assertThat(hubJar).as("the hub's exec jar (built by the hub module)").exists();
        mosquittoInstalled = Servers.Mosquitto.find() != null;
        Bench.Options options = Bench.parse(new String[] {
            "--scenarios=connect,ring",
            "--devices=6",
            "--members=2",
            "--presses=12",
            "--rate=20",
            "--window=6",
            "--reference=auto",
            "--timeout-seconds=30",
            "--out=" + Path.of("target/smoke").toAbsolutePath(),
            "--hub-jar=" + hubJar.toAbsolutePath()
        });
        result = new Bench(options).run();
    }

    @Test
    void everyScenarioProducesACompleteDoorwardColumn() throws Exception {
        List<String> scenarios =
                result.rows().stream().map(Bench.Row::scenario).distinct().toList();
        assertThat(scenarios).containsExactly("connect", "ring");
        assertThat(result.rows())
                .allSatisfy(row -> assertThat(row.doorward())
                        .as(row.scenario() + " / " + row.metric())
                        .isNotNull());
        assertThat(value("connect", "devices connected")).isEqualTo(6.0);
        assertThat(value("connect", "reconnect storm: devices back")).isEqualTo(6.0);
        assertThat(value("ring", "rings received")).isEqualTo(value("ring", "rings expected (presses × sessions)"));
        assertThat(result.markdown())
                .contains("| machine |", "| JDK", "| commit |", "| settings |", "press → ring p99", "`live`: not run");
        List<String> csv = Files.readAllLines(result.csvFile());
        assertThat(csv).hasSize(result.rows().size() + 1);
        assertThat(csv.get(0)).startsWith("scenario,metric,unit,doorward,reference,ratio,target");
        assertThat(result.markdownFile()).exists();
    }

    @Test
    void mosquittoReferenceColumnIsComplete() {
        assumeTrue(
                mosquittoInstalled,
                "Mosquitto is not installed (apt-get install mosquitto): the reference side of the smoke run is skipped");
        assertThat(result.rows())
                .allSatisfy(row -> assertThat(row.reference())
                        .as(row.scenario() + " / " + row.metric())
                        .isNotNull());
        assertThat(result.markdown()).contains("mosquitto version");
    }

    private static Double value(String scenario, String metric) {
        return result.rows().stream()
                .filter(r -> r.scenario().equals(scenario) && r.metric().equals(metric))
                .findFirst()
                .orElseThrow()
                .doorward();
    }
}

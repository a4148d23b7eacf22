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
 * Mosquitto and nginx + nchan when installed. It checks that the run produces a complete table — never how fast
 * anything is.
 */
class BenchSmokeTest {
    private static Bench.Result result;
    private static boolean mosquittoInstalled;
    private static boolean nginxInstalled;

    @BeforeAll
    static void run() throws Exception {
        Path hubJar =
                Path.of(System.getProperty("doorward.hub.jar", "../hub/target/doorward-hub-0.1.0-SNAPSHOT-exec.jar"));
        assertThat(hubJar).as("the hub's exec jar (built by the hub module)").exists();
        mosquittoInstalled = Servers.Mosquitto.find() != null;
        nginxInstalled = Servers.Nginx.find() != null;
        Bench.Options options = Bench.parse(new String[] {
            "--scenarios=connect,ring,live",
            "--devices=6",
            "--members=2",
            "--presses=12",
            "--rate=20",
            "--window=6",
            "--live-devices=2",
            "--viewers=2",
            "--tap-probes=4",
            "--live-seconds=2",
            "--open-rate=20",
            "--reference=auto",
            "--timeout-seconds=30",
            // A cache from the shortest training: the smoke checks that one is recorded and used, not what it holds.
            "--aot-training=connect",
            "--out=" + Path.of("target/smoke").toAbsolutePath(),
            "--hub-jar=" + hubJar.toAbsolutePath()
        });
        result = new Bench(options).run();
    }

    @Test
    void everyScenarioProducesACompleteDoorwardColumn() throws Exception {
        List<String> scenarios =
                result.rows().stream().map(Bench.Row::scenario).distinct().toList();
        assertThat(scenarios).containsExactly("connect", "ring", "live");
        assertThat(result.rows())
                .allSatisfy(row -> assertThat(row.doorward())
                        .as(row.scenario() + " / " + row.metric())
                        .isNotNull()
                        .isNotNaN());
        assertThat(value("connect", "devices connected")).isEqualTo(6.0);
        assertThat(value("connect", "reconnect storm: devices back")).isEqualTo(6.0);
        assertThat(value("ring", "rings received")).isEqualTo(value("ring", "rings expected (presses × sessions)"));
        // With push on: every press reached the push service once per subscription, opened with its browser's keys.
        assertThat(value("ring", "push subscriptions (the owner's browsers)")).isEqualTo(2.0);
        assertThat(value("ring", "pushes at the push service, opened with the browser's keys"))
                .isEqualTo(value("ring", "pushes expected (presses × subscriptions)"))
                .isEqualTo(24.0);
        assertThat(value("ring", "rings received with push on"))
                .isEqualTo(value("ring", "rings expected (presses × sessions)"));
        // Every ring received, in press order, for reading a tail against the GC logs by the time.
        List<String> timeline = Files.readAllLines(Path.of("target/smoke/work/ring-doorward-timeline.tsv"));
        assertThat(timeline.getFirst()).isEqualTo("pressed_at_ms\tlatency_us");
        assertThat(timeline).hasSize(value("ring", "rings received").intValue() + 1);
        assertThat(timeline.subList(1, timeline.size()))
                .allSatisfy(line -> assertThat(line).matches("\\d{13}\t\\d+"));
        assertThat(value("ring", "the kernel's memory monitor (kdamond) during presses"))
                .isGreaterThanOrEqualTo(0.0);
        assertThat(value("live", "doorbells streaming")).isEqualTo(2.0);
        assertThat(value("live", "viewers watching (first keyframe received)")).isEqualTo(4.0);
        assertThat(value("live", "taps timed (the viewers, then probes that leave at their first keyframe)"))
                .isEqualTo(8.0);
        // Eight taps, 25 per account: one member, whose app's stream is open before its first tap.
        assertThat(value("live", "member apps open before their taps (the app's stream; Doorward only)"))
                .isEqualTo(1.0);
        assertThat(value("live", "frames delivered")).isPositive();
        assertThat(result.markdown())
                .contains(
                        "| machine |",
                        "| JDK",
                        "| commit |",
                        "| settings |",
                        "press → ring p99",
                        "tap → first keyframe complete p50",
                        "device send → viewer has the frame p99");
        List<String> csv = Files.readAllLines(result.csvFile());
        assertThat(csv).hasSize(result.rows().size() + 1);
        assertThat(csv.get(0)).startsWith("scenario,metric,unit,doorward,reference,ratio,target");
        assertThat(result.markdownFile()).exists();
    }

    @Test
    void onJdk25TheHubRunsExtractedWithACacheFromATrainingRun() {
        assumeTrue(HubAot.supported(), "an ahead-of-time cache needs JDK " + HubAot.FIRST_JDK);
        // The training run's own hub recorded the cache, and the measured hub (Web Push child included) ran on it.
        assertThat(result.markdown())
                .contains("with an ahead-of-time cache", "recorded by a training run of the connect scenario(s) only");
        assertThat(Path.of("target/smoke/work/hub.aot")).isNotEmptyFile();
        assertThat(Path.of("target/smoke/work/aot-training/results.md")).exists();
    }

    @Test
    void mosquittoReferenceColumnIsComplete() {
        assumeTrue(
                mosquittoInstalled,
                "Mosquitto is not installed (apt-get install mosquitto): the reference side of the smoke run is skipped");
        // The hub's Java heap has no counterpart in a C server, nor Web Push in MQTT: those rows are Doorward's only.
        assertThat(result.rows().stream()
                        .filter(r -> !r.scenario().equals("live"))
                        .filter(r -> !r.metric().startsWith("server Java heap"))
                        .filter(r -> !r.metric().contains("push")))
                .allSatisfy(row -> assertThat(row.reference())
                        .as(row.scenario() + " / " + row.metric())
                        .isNotNull());
        assertThat(result.markdown()).contains("mosquitto version");
    }

    @Test
    void nginxReferenceColumnIsComplete() {
        assumeTrue(
                nginxInstalled,
                "nginx with nchan is not installed (apt-get install nginx libnginx-mod-nchan): the live reference is"
                        + " skipped");
        assertThat(result.rows().stream().filter(r -> r.scenario().equals("live")))
                .isNotEmpty()
                .allSatisfy(row -> assertThat(row.reference())
                        .as(row.scenario() + " / " + row.metric())
                        .isNotNull()
                        .isNotNaN());
        assertThat(referenceValue("live", "viewers watching (first keyframe received)"))
                .isEqualTo(4.0);
        assertThat(referenceValue("live", "taps timed (the viewers, then probes that leave at their first keyframe)"))
                .isEqualTo(8.0);
        assertThat(referenceValue("live", "frames delivered")).isPositive();
        assertThat(result.markdown()).contains("nginx/", "nchan");
    }

    private static Double referenceValue(String scenario, String metric) {
        return result.rows().stream()
                .filter(r -> r.scenario().equals(scenario) && r.metric().equals(metric))
                .findFirst()
                .orElseThrow()
                .reference();
    }

    private static Double value(String scenario, String metric) {
        return result.rows().stream()
                .filter(r -> r.scenario().equals(scenario) && r.metric().equals(metric))
                .findFirst()
                .orElseThrow()
                .doorward();
    }
}

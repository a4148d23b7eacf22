package dev.doorward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A short run of {@code bench/run --cluster=3} (tiny numbers): real PostgreSQL, three nats-server processes, three
 * hub processes and HAProxy (.ci/run installs both), the load generator in its own processes. It checks that every
 * cluster scenario reports its figures — never how fast anything is. Most of its time is the three nodes' start.
 */
class ClusterBenchSmokeTest {
    private static Bench.Result result;

    @BeforeAll
    static void run() throws Exception {
        Path hubJar =
                Path.of(System.getProperty("doorward.hub.jar", "../hub/target/doorward-hub-0.1.0-SNAPSHOT-exec.jar"));
        assertThat(hubJar).as("the hub's exec jar (built by the hub module)").exists();
        Bench.Options options = Bench.parse(new String[] {
            "--cluster=3",
            "--scenarios=ring,live,connect,storm",
            "--devices=6",
            "--members=2",
            "--presses=10",
            "--rate=20",
            "--window=6",
            "--per-node=4",
            "--storm-devices=9",
            "--live-devices=1",
            "--viewers=2",
            "--live-seconds=2",
            "--open-rate=20",
            "--single=off",
            "--timeout-seconds=30",
            "--out=" + Path.of("target/cluster-smoke").toAbsolutePath(),
            "--hub-jar=" + hubJar.toAbsolutePath()
        });
        result = new Bench(options).run();
    }

    @Test
    void everyClusterScenarioReports() throws Exception {
        assertThat(result.rows().stream().map(Bench.Row::scenario).distinct().toList())
                .containsExactly("cluster ring", "cluster live", "cluster connect", "cluster storm");
        // ring: every press reached every member stream on node-b, and the doorbells were on the nodes.
        assertThat(value("cluster ring", "rings expected (presses × sessions)")).isEqualTo(20.0);
        assertThat(value("cluster ring", "rings received")).isEqualTo(20.0);
        assertThat(value("cluster ring", "press → ring p99")).isPositive();
        assertThat(value("cluster ring", "node-a: doorbells linked (through HAProxy)")
                        + value("cluster ring", "node-b: doorbells linked (through HAProxy)")
                        + value("cluster ring", "node-c: doorbells linked (through HAProxy)"))
                .isEqualTo(6.0);
        assertThat(value("cluster ring", "hub CPU per press, summed over the nodes"))
                .isPositive();
        // live: the doorbell on node-a streamed to viewers on node-b, and (second column) to viewers on node-a.
        assertThat(value("cluster live", "viewers watching (node-b; beside: node-a)"))
                .isEqualTo(2.0);
        assertThat(reference("cluster live", "viewers watching (node-b; beside: node-a)"))
                .isEqualTo(2.0);
        assertThat(value("cluster live", "frames delivered")).isPositive();
        assertThat(reference("cluster live", "frames delivered")).isPositive();
        assertThat(value("cluster live", "device send → viewer has the frame p99"))
                .isPositive();
        assertThat(value("cluster live", "tap → first keyframe complete p99")).isPositive();
        // connect: each node holds its own load generator's doorbells, with its memory measured.
        for (String node : List.of("node-a", "node-b", "node-c")) {
            assertThat(value("cluster connect", node + ": doorbells linked")).isEqualTo(4.0);
            assertThat(value("cluster connect", node + ": RSS with all linked")).isPositive();
            assertThat(value("cluster connect", node + ": Java heap after a full GC, all linked"))
                    .isPositive();
        }
        // storm: a node was killed with links on it, and every doorbell is linked again.
        Bench.Row dropped = result.rows().stream()
                .filter(r -> r.metric().startsWith("links dropped by the kill"))
                .findFirst()
                .orElseThrow();
        assertThat(dropped.doorward()).isPositive();
        assertThat(value("cluster storm", "kill → all linked again")).isPositive();
        assertThat(value("cluster storm", "doorbells linked at the end")).isEqualTo(9.0);
        assertThat(result.markdown()).contains("## Cluster: three nodes behind HAProxy", "| settings |");
        assertThat(Files.readAllLines(result.csvFile())).hasSize(result.rows().size() + 1);
        // The run directory keeps each node's stdout and GC log.
        Path cluster = Path.of("target/cluster-smoke/work/cluster");
        for (String node : List.of("node-a", "node-b", "node-c")) {
            assertThat(cluster.resolve(node + "/hub.log")).isNotEmptyFile();
            assertThat(cluster.resolve(node + "/hub-gc.log")).isNotEmptyFile();
        }
    }

    private static Double reference(String scenario, String metric) {
        return result.rows().stream()
                .filter(r -> r.scenario().equals(scenario) && r.metric().equals(metric))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + scenario + " / " + metric))
                .reference();
    }

    private static Double value(String scenario, String metric) {
        return result.rows().stream()
                .filter(r -> r.scenario().equals(scenario) && r.metric().equals(metric))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + scenario + " / " + metric))
                .doorward();
    }
}

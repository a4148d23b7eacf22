package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL server is started detached (by pg_ctl), so it is not the hub's child: after it exits it
 * is a zombie until init reaps it, which took about 2 s on every stop of every test hub on the CI machine. The hub
 * counts it gone as soon as it has exited.
 */
class ExitedServerTest {
    @Test
    void aDetachedProcessCountsAsExitedAsSoonAsItExitsNotWhenInitReapsIt() throws Exception {
        // Detached like the server: the shell exits at once and leaves its child to init.
        Process shell = new ProcessBuilder("sh", "-c", "sleep 2 > /dev/null 2>&1 & echo $!").start();
        long pid = Long.parseLong(new String(shell.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
        assertThat(shell.waitFor()).isZero();
        ProcessHandle detached = ProcessHandle.of(pid).orElseThrow();
        assertThat(EmbeddedDatabase.exited(detached)).as("still sleeping").isFalse();
        assertThat(EmbeddedDatabase.awaitExit(detached, Duration.ofMillis(100))).isFalse();

        // The moment procfs shows it exited (a zombie; or gone, where init reaps at once), it counts as exited.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!exitedPerProcfs(pid)) {
            assertThat(System.nanoTime()).as("sleep 2 exits").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(EmbeddedDatabase.exited(detached)).isTrue();
        assertThat(EmbeddedDatabase.awaitExit(detached, Duration.ZERO)).isTrue();
    }

    private static boolean exitedPerProcfs(long pid) throws Exception {
        try {
            String stat = Files.readAllLines(Path.of("/proc", Long.toString(pid), "stat"))
                    .getFirst();
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (NoSuchFileException e) {
            return true;
        }
    }
}

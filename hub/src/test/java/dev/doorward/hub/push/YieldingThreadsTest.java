package dev.doorward.hub.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The push workers really run below normal priority: the kernel's own view of each thread's nice value. */
class YieldingThreadsTest {
    @Test
    void aWorkerLowersOnlyItsOwnPriority() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "nice values per thread are Linux's");
        int before = ownNice();

        CompletableFuture<Integer> worker = new CompletableFuture<>();
        Thread thread = new YieldingThreads("test-push-").newThread(() -> worker.complete(ownNice()));
        thread.start();

        assertThat(worker.get(10, TimeUnit.SECONDS)).isEqualTo(before + YieldingThreads.NICE);
        assertThat(thread.getName()).isEqualTo("test-push-1");
        assertThat(thread.isDaemon()).isTrue();
        // The thread that made it (the ring's side) keeps its priority.
        assertThat(ownNice()).isEqualTo(before);
    }

    /** Field 19 of /proc/thread-self/stat: the calling thread's nice value. */
    private static int ownNice() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count from after it.
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(after[19 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

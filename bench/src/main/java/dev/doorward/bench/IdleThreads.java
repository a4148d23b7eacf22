package dev.doorward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that run only on CPU nothing else wants (Linux {@code SCHED_IDLE}): for the push-service stand-in, which
 * stands for a service on another machine. On the bench's two shared cores it used half a core at normal priority
 * for the thousand pushes a second of the ring scenario — CPU a real push service never takes from the hub — and its
 * share landed in the ring's tail. Each thread demotes itself when it starts ({@code chrt --idle -p 0 <tid>}); if that
 * fails (no {@code chrt}, not Linux) the thread runs at normal priority and {@link #demoted()} says so.
 */
final class IdleThreads implements ThreadFactory {
    private final String name;
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger demoted = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    IdleThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(
                () -> {
                    if (demoteThisThread()) {
                        demoted.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    task.run();
                },
                name + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /** Whether every thread made so far runs at {@code SCHED_IDLE}. */
    boolean demoted() {
        return failed.get() == 0;
    }

    private static boolean demoteThisThread() {
        try {
            // "/proc/thread-self" -> "<pid>/task/<tid>": the calling thread's kernel id.
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self"))
                    .getFileName()
                    .toString();
            for (String chrt : new String[] {"/usr/bin/chrt", "/bin/chrt"}) {
                if (Files.isExecutable(Path.of(chrt))) {
                    Process p = new ProcessBuilder(chrt, "--idle", "-p", "0", tid)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    return p.waitFor() == 0;
                }
            }
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

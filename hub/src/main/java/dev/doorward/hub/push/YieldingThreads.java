package dev.doorward.hub.push;

import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that yield the CPU to the ring: each lowers its own scheduling priority (Linux nice {@value #NICE})
 * when it starts. The push workers' encryption and TLS cost real CPU at a building's pace (an ECDH per push);
 * on a small hub that CPU would otherwise be taken from the threads carrying the next ring to the open apps.
 * With a lower priority the kernel runs the ring's threads first when both want the CPU, and the pushes in what
 * is left (docs/benchmarks.md has what it did and did not change).
 *
 * <p>Java's {@code Thread.setPriority} does nothing on Linux, so {@code LinuxThreadPriority} (Java 22, FFM) calls
 * {@code setpriority(2)} for the thread's own id; raising a nice value needs no privilege. On another system or
 * Java 21, or when the call fails, the threads keep the normal priority, and that is logged once.
 */
final class YieldingThreads implements ThreadFactory {
    private static final Logger log = LoggerFactory.getLogger(YieldingThreads.class);
    /** CFS gives a nice-10 thread about a tenth of a nice-0 one's share when both want the CPU. */
    static final int NICE = 10;

    /** Lowers the calling thread's priority. */
    interface OwnPriority {
        void lower(int nice) throws Throwable;
    }

    private static final Optional<OwnPriority> PRIORITY = load();
    private static final AtomicBoolean failureLogged = new AtomicBoolean();

    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    YieldingThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable work) {
        Thread thread = new Thread(
                () -> {
                    lowerOwnPriority();
                    work.run();
                },
                prefix + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /** Lowers the calling thread's priority; false where that is not possible. */
    static boolean lowerOwnPriority() {
        if (PRIORITY.isEmpty()) {
            return false;
        }
        try {
            PRIORITY.get().lower(NICE);
            return true;
        } catch (Throwable e) {
            if (failureLogged.compareAndSet(false, true)) {
                log.info("Push workers keep the normal priority: {}", e.toString());
            }
            return false;
        }
    }

    private static Optional<OwnPriority> load() {
        if (!System.getProperty("os.name", "").equals("Linux")
                || Runtime.version().feature() < 22) {
            log.info("Push workers keep the normal priority (thread priorities need Linux and Java 22)");
            return Optional.empty();
        }
        try {
            var type = Class.forName("dev.doorward.hub.push.LinuxThreadPriority");
            var constructor = type.getDeclaredConstructor();
            return Optional.of((OwnPriority) constructor.newInstance());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.info("Push workers keep the normal priority: {}", e.toString());
            return Optional.empty();
        }
    }
}

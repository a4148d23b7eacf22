package dev.doorward.hub.link.transport;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one connection's work in order, off the network threads (it may query the database), on a virtual
 * thread that exists only while there is work: an idle link owns no thread.
 */
final class SerialExecutor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();

    void execute(Runnable task) {
        tasks.add(task);
        if (pending.getAndIncrement() == 0) {
            Thread.startVirtualThread(this::drain);
        }
    }

    /** Tasks queued or running. */
    int pending() {
        return pending.get();
    }

    private void drain() {
        do {
            Runnable task = tasks.poll();
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("A link task failed (device or live-port viewer)", e);
            }
        } while (pending.decrementAndGet() > 0);
    }
}

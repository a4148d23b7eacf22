package dev.doorward.device.thread;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread on which everything that changes a doorbell's state runs, so its rules (an owned device never
 * claims, a locked-out window stays shut) never race with each other. The flows (claim, reset, uploads) run their
 * steps here; outside callers use {@link #call} and see the effect of what they asked for.
 */
public final class AgentThread implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentThread.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ScheduledThreadPoolExecutor executor;

    public AgentThread(String name) {
        executor =
                new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name(name).factory());
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Runs the task on the agent thread and waits for its result. */
    public <T> T call(Callable<T> task) {
        Future<T> future;
        try {
            future = executor.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the agent is closed", e);
        }
        try {
            return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the agent did not answer in time", e);
        }
    }

    /** Runs the task on the agent thread soon; nothing happens once the agent is closed. */
    public void execute(Runnable task) {
        try {
            executor.execute(() -> guarded(task));
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Runs the task once after the delay; empty once the agent is closed. */
    public Optional<ScheduledFuture<?>> schedule(Runnable task, Duration delay) {
        try {
            return Optional.of(
                    executor.schedule(() -> guarded(task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs the task again and again, {@code every} apart. A periodic task that throws is never run again, so each
     * run is guarded: one failure is logged and the timer goes on.
     */
    public ScheduledFuture<?> repeat(Runnable task, Duration first, Duration every) {
        return executor.scheduleWithFixedDelay(
                () -> guarded(task), first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the thread: queued tasks that have not started are dropped. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The agent thread as a scheduler, for a part that schedules its own steps on it (the link client).
     */
    public ScheduledExecutorService scheduler() {
        return executor;
    }

    /** Runs the task, logging instead of throwing: for tasks on threads where nobody would see the failure. */
    public static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("Agent task failed", e);
        }
    }
}

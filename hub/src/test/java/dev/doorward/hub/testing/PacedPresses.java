package dev.doorward.hub.testing;

import dev.doorward.device.DeviceAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Doorbells pressed one after another at a steady pace (someone at each door in turn); remembers the event id of each
 * press the doorbell accepted (kept in its outbox until the hub acknowledges it stored). The cluster tests and the
 * fault suite share it (the faults module uses the hub's test-jar).
 */
public final class PacedPresses implements AutoCloseable {
    private final List<DeviceAgent> doorbells;
    private final List<String> accepted = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final ScheduledExecutorService presser = Executors.newSingleThreadScheduledExecutor();
    private int next;

    public PacedPresses(List<DeviceAgent> doorbells, Duration every) {
        this.doorbells = doorbells;
        presser.scheduleAtFixedRate(this::press, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void press() {
        DeviceAgent doorbell = doorbells.get(next++ % doorbells.size());
        try {
            String id = doorbell.pressButton().orElseThrow(() -> new IllegalStateException("not owned"));
            synchronized (this) {
                accepted.add(id);
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                failures.add(e.toString());
            }
        }
    }

    public synchronized int count() {
        return accepted.size();
    }

    public void awaitCount(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        count() + " presses, not " + count + ", within " + timeout + ": " + failures());
            }
            Thread.sleep(20);
        }
    }

    /** Stops pressing; returns the ids of the accepted presses, in order. */
    public List<String> stop() throws InterruptedException {
        presser.shutdown();
        presser.awaitTermination(30, TimeUnit.SECONDS);
        synchronized (this) {
            return List.copyOf(accepted);
        }
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() {
        presser.shutdownNow();
    }
}

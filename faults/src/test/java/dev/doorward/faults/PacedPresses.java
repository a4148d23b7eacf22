package dev.doorward.faults;

import dev.doorward.device.DeviceAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Someone pressing a doorbell at a steady pace; remembers every press the doorbell accepted (stored in its outbox). */
final class PacedPresses implements AutoCloseable {
    private final DeviceAgent doorbell;
    private final List<String> accepted = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final ScheduledExecutorService presser = Executors.newSingleThreadScheduledExecutor();

    PacedPresses(DeviceAgent doorbell, Duration every) {
        this.doorbell = doorbell;
        presser.scheduleAtFixedRate(this::press, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void press() {
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

    /** Stops pressing; returns the ids of the accepted presses, in order. */
    List<String> stop() throws InterruptedException {
        presser.shutdown();
        presser.awaitTermination(30, TimeUnit.SECONDS);
        synchronized (this) {
            return List.copyOf(accepted);
        }
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() {
        presser.shutdownNow();
    }
}

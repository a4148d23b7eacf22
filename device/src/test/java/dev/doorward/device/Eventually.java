package dev.doorward.device;

import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something another thread does. Not for time rules: those use {@link MutableClock}. */
public final class Eventually {
    private Eventually() {}

    public static void eventually(BooleanSupplier condition) {
        eventually(Duration.ofSeconds(10), condition);
    }

    public static void eventually(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}

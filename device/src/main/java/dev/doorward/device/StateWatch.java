package dev.doorward.device;

import java.time.Duration;
import java.util.Objects;

/** A value other threads can wait for (tests, the control panel); set from the agent's thread. */
final class StateWatch<T> {
    private T value;

    StateWatch(T initial) {
        this.value = Objects.requireNonNull(initial);
    }

    synchronized void set(T next) {
        value = Objects.requireNonNull(next);
        notifyAll();
    }

    synchronized T get() {
        return value;
    }

    synchronized boolean await(T wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!value.equals(wanted)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long millis = Math.max(1, left / 1_000_000);
            wait(millis);
        }
        return true;
    }
}

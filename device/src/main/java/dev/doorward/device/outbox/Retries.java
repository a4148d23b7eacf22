package dev.doorward.device.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Per-item back-off for things the hub could not take right now ({@code internal}): the n-th failure of an item
 * waits between half and all of min(cap, base·2^n), so a hub that fails everything is not hammered, a hub that
 * recovers gets everything again soon, and items retried together spread out. Not thread-safe: used on the
 * agent thread.
 */
public final class Retries {
    public static final Duration BASE = Duration.ofSeconds(1);
    public static final Duration CAP = Duration.ofSeconds(30);

    private record Waiting(int failures, Instant notBefore) {}

    private final RandomGenerator random;
    private final Map<String, Waiting> waiting = new HashMap<>();

    public Retries(RandomGenerator random) {
        this.random = random;
    }

    /** The item failed once more at {@code now}; returns when it may go again. */
    public Instant failed(String key, Instant now) {
        int failures = waiting.containsKey(key) ? waiting.get(key).failures() + 1 : 1;
        long ceiling = BASE.toMillis();
        for (int i = 1; i < failures && ceiling < CAP.toMillis(); i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, CAP.toMillis());
        Instant notBefore = now.plusMillis(ceiling / 2 + random.nextLong(ceiling / 2 + 1));
        waiting.put(key, new Waiting(failures, notBefore));
        return notBefore;
    }

    /** Whether the item may be sent at {@code now}. */
    public boolean ready(String key, Instant now) {
        Waiting w = waiting.get(key);
        return w == null || !now.isBefore(w.notBefore());
    }

    public void forget(String key) {
        waiting.remove(key);
    }

    /** The hub is back (a new link): everything waiting may go at once. Failure counts stay. */
    public void readyNow() {
        waiting.replaceAll((key, w) -> new Waiting(w.failures(), Instant.MIN));
    }

    public int size() {
        return waiting.size();
    }
}

package dev.doorward.device.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void ceilingsDoubleFromHalfASecondUpToAMinute() {
        Backoff backoff = new Backoff(new Random(1));

        assertThat(backoff.ceiling(0)).isEqualTo(500);
        assertThat(backoff.ceiling(1)).isEqualTo(1000);
        assertThat(backoff.ceiling(6)).isEqualTo(32_000);
        assertThat(backoff.ceiling(7)).isEqualTo(60_000);
        assertThat(backoff.ceiling(1000)).isEqualTo(60_000);
    }

    @Test
    void everyDelayIsWithinZeroAndItsCeiling() {
        Backoff backoff = new Backoff(new Random(42));
        for (int attempt = 0; attempt < 200; attempt++) {
            long ceiling = backoff.ceiling(attempt);
            Duration delay = backoff.nextDelay();
            assertThat(delay.toMillis()).as("attempt " + attempt).isBetween(0L, ceiling);
        }
    }

    @Test
    void fullJitterSpreadsDelaysOverTheWholeRange() {
        // Ten thousand devices after a hub restart: their first retries must not bunch up.
        Random random = new Random(7);
        int[] buckets = new int[10];
        for (int device = 0; device < 10_000; device++) {
            Backoff backoff = new Backoff(random);
            for (int i = 0; i < 7; i++) {
                backoff.nextDelay();
            }
            long delay = backoff.nextDelay().toMillis(); // attempt 7: ceiling 60 s
            buckets[(int) Math.min(9, delay / 6_000)]++;
        }
        for (int count : buckets) {
            assertThat(count).isBetween(800, 1200);
        }
    }

    @Test
    void theSameRandomGivesTheSameDelays() {
        Backoff a = new Backoff(new Random(3));
        Backoff b = new Backoff(new Random(3));
        for (int i = 0; i < 20; i++) {
            assertThat(a.nextDelay()).isEqualTo(b.nextDelay());
        }
    }

    @Test
    void aWelcomedConnectionResetsTheSequenceAtOnceStillJittered() {
        Backoff backoff = new Backoff(new Random(1));
        for (int i = 0; i < 8; i++) {
            backoff.nextDelay();
        }
        assertThat(backoff.ceiling(backoff.attempt())).isEqualTo(60_000);
        backoff.connected();

        assertThat(backoff.attempt()).isZero();
        // Full jitter from the base again: a thousand doorbells do not come back in the same millisecond.
        java.util.Set<Long> delays = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Backoff one = new Backoff(new Random(i));
            for (int j = 0; j < 8; j++) {
                one.nextDelay();
            }
            one.connected();
            long delay = one.nextDelay().toMillis();
            assertThat(delay).isBetween(0L, 500L);
            delays.add(delay);
        }
        assertThat(delays.size()).isGreaterThan(300);
    }
}

package dev.doorward.bench;

import java.util.Arrays;
import java.util.List;

/** Exact percentiles over a set of durations in nanoseconds (nearest-rank). */
public record Stats(int count, double p50Ms, double p99Ms, double maxMs, double meanMs) {
    public static Stats of(long[] nanos, int count) {
        if (count == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        double sum = 0;
        for (long v : sorted) {
            sum += v;
        }
        return new Stats(
                count, ms(rank(sorted, 0.50)), ms(rank(sorted, 0.99)), ms(sorted[count - 1]), sum / count / 1e6);
    }

    private static long rank(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** A growable array of longs, owned by one thread. */
    public static final class Samples {
        private long[] values = new long[1024];
        private int size;

        public synchronized void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        /** These and {@code other}'s values together (two series of the same run, pooled). */
        public Samples with(Samples other) {
            Samples both = new Samples();
            for (Samples part : List.of(this, other)) {
                synchronized (part) {
                    for (int i = 0; i < part.size; i++) {
                        both.add(part.values[i]);
                    }
                }
            }
            return both;
        }

        /** Two values as one entry, so a reader never sees half of it ({@link #values} in pairs). */
        public synchronized void add(long first, long second) {
            add(first);
            add(second);
        }

        /** A copy of the values, in the order added. */
        public synchronized long[] values() {
            return Arrays.copyOf(values, size);
        }

        public synchronized int size() {
            return size;
        }

        public synchronized Stats stats() {
            return Stats.of(values, size);
        }
    }
}

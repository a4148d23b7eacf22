package dev.doorward.device.hardware.gpio;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A GPIO chip in memory: the test sets input levels and reads output levels (physical levels, high = true). A
 * changed input level is an edge, as the kernel reports it; reads of the inputs are counted.
 */
final class FakeGpioChip implements GpioChip {
    private final Map<Integer, Boolean> levels = new HashMap<>();
    private final Map<Integer, Boolean> pullUps = new HashMap<>();
    private final Map<Integer, Duration> filters = new HashMap<>();
    private final List<Integer> edges = new ArrayList<>();
    private int inputReads;
    private int waits;
    boolean closed;

    synchronized void set(int offset, boolean high) {
        Boolean before = levels.put(offset, high);
        if (pullUps.containsKey(offset) && before != null && before != high) {
            edges.add(offset);
            notifyAll();
        }
    }

    synchronized boolean get(int offset) {
        return levels.getOrDefault(offset, false);
    }

    synchronized boolean pullUp(int offset) {
        return pullUps.getOrDefault(offset, false);
    }

    synchronized Duration filter(int offset) {
        return filters.get(offset);
    }

    synchronized int inputReads() {
        return inputReads;
    }

    synchronized int waits() {
        return waits;
    }

    @Override
    public synchronized InputLine input(int offset, boolean pullUp, Duration filter) {
        pullUps.put(offset, pullUp);
        filters.put(offset, filter);
        levels.putIfAbsent(offset, pullUp); // an open switch reads as the pull
        return () -> {
            synchronized (this) {
                inputReads++;
                return get(offset);
            }
        };
    }

    @Override
    public synchronized OutputLine output(int offset, boolean level) {
        levels.put(offset, level);
        return high -> set(offset, high);
    }

    @Override
    public synchronized List<Integer> awaitEdges(Duration timeout) throws InterruptedException {
        waits++;
        long until = System.nanoTime() + timeout.toNanos();
        while (edges.isEmpty() && !closed) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        List<Integer> seen = List.copyOf(edges);
        edges.clear();
        return seen;
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}

package dev.doorward.device.hardware.gpio;

import java.util.HashMap;
import java.util.Map;

/** A GPIO chip in memory: the test sets input levels and reads output levels (physical levels, high = true). */
final class FakeGpioChip implements GpioChip {
    private final Map<Integer, Boolean> levels = new HashMap<>();
    private final Map<Integer, Boolean> pullUps = new HashMap<>();
    boolean closed;

    synchronized void set(int offset, boolean high) {
        levels.put(offset, high);
    }

    synchronized boolean get(int offset) {
        return levels.getOrDefault(offset, false);
    }

    synchronized boolean pullUp(int offset) {
        return pullUps.getOrDefault(offset, false);
    }

    @Override
    public synchronized InputLine input(int offset, boolean pullUp) {
        pullUps.put(offset, pullUp);
        levels.putIfAbsent(offset, pullUp); // an open switch reads as the pull
        return () -> get(offset);
    }

    @Override
    public synchronized OutputLine output(int offset, boolean level) {
        levels.put(offset, level);
        return high -> set(offset, high);
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}

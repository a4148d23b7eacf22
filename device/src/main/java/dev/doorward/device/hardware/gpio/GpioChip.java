package dev.doorward.device.hardware.gpio;

import java.time.Duration;
import java.util.List;

/**
 * The lines of one GPIO chip, at their physical levels (high = true); active-low is applied above this, in
 * {@link DoorbellGpio}, one place for both the real chip and the fake one. Inputs report their changes as edges
 * ({@link #awaitEdges}): nothing reads an input line unless it changed.
 */
public interface GpioChip extends AutoCloseable {

    /**
     * Requests an input line with edge events on both edges.
     *
     * @param pullUp the pull-up for a switch wired to ground; otherwise no bias
     * @param filter the chip's own debounce (contact chatter never wakes us), {@link Duration#ZERO} for none; a
     *     chip that cannot debounce this line ignores it ({@link DoorbellGpio}'s debounce is the rule of record)
     */
    InputLine input(int offset, boolean pullUp, Duration filter);

    /** Requests an output line, driven to {@code level} from the first moment. */
    OutputLine output(int offset, boolean level);

    /**
     * Waits until an input line has an edge, or {@code timeout} passed; returns the offsets of the lines with an
     * edge, in order (empty after the timeout, and at once after {@link #close}). One thread calls it at a time.
     */
    List<Integer> awaitEdges(Duration timeout) throws InterruptedException;

    /** Releases every line (the kernel does it too if the process dies). Wakes {@link #awaitEdges}. */
    @Override
    void close();

    interface InputLine {
        boolean level();
    }

    interface OutputLine {
        void level(boolean high);
    }
}

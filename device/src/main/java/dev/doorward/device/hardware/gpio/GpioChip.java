package dev.doorward.device.hardware.gpio;

/**
 * The lines of one GPIO chip, at their physical levels (high = true); active-low is applied above this, in
 * {@link DoorbellGpio}, one place for both the real chip and the fake one.
 */
public interface GpioChip extends AutoCloseable {

    /** Requests an input line; {@code pullUp} for a switch wired to ground. */
    InputLine input(int offset, boolean pullUp);

    /** Requests an output line, driven to {@code level} from the first moment. */
    OutputLine output(int offset, boolean level);

    /** Releases every line. */
    @Override
    void close();

    interface InputLine {
        boolean level();
    }

    interface OutputLine {
        void level(boolean high);
    }
}

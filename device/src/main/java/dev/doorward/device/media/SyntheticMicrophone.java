package dev.doorward.device.media;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * The simulator's microphone: a 440 Hz beep during the first 200 ms of every second of the device clock and
 * silence otherwise, so a listener hears the live audio and can line it up with the clock in the picture.
 * Paced like a sound card (one frame per 20 ms of real time) unless built unpaced for tests, where every
 * {@link #read()} returns the next frame at once.
 */
public final class SyntheticMicrophone implements Microphone {
    public static final double TONE_HZ = 440;
    public static final int BEEP_MILLIS = 200;
    public static final short AMPLITUDE = 8000;

    private final Clock clock;
    private final boolean paced;
    /** Absolute sample number (device clock milliseconds × 16) of the next sample. */
    private long nextSample;

    private long openedNanos;
    private long framesRead;
    private boolean open;

    public SyntheticMicrophone(Clock clock) {
        this(clock, true);
    }

    public SyntheticMicrophone(Clock clock, boolean paced) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.paced = paced;
    }

    @Override
    public synchronized void open() {
        nextSample = clock.millis() * (SAMPLE_RATE / 1000);
        openedNanos = System.nanoTime();
        framesRead = 0;
        open = true;
    }

    @Override
    public byte[] read() throws InterruptedException {
        long due;
        long first;
        synchronized (this) {
            if (!open) {
                throw new IllegalStateException("microphone is not open");
            }
            due = openedNanos + (framesRead + 1) * FRAME_DURATION.toNanos();
            first = nextSample;
            nextSample += FRAME_SAMPLES;
            framesRead++;
        }
        if (paced) {
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
        return samples(first);
    }

    /** One frame starting at absolute sample {@code first}. */
    static byte[] samples(long first) {
        byte[] frame = new byte[FRAME_BYTES];
        for (int i = 0; i < FRAME_SAMPLES; i++) {
            short value = sample(first + i);
            frame[2 * i] = (byte) value;
            frame[2 * i + 1] = (byte) (value >> 8);
        }
        return frame;
    }

    /** The signal at absolute sample {@code n}. */
    static short sample(long n) {
        long inSecond = Math.floorMod(n, (long) SAMPLE_RATE);
        if (inSecond >= (long) BEEP_MILLIS * SAMPLE_RATE / 1000) {
            return 0;
        }
        return (short) Math.round(AMPLITUDE * Math.sin(2 * Math.PI * TONE_HZ * inSecond / SAMPLE_RATE));
    }

    @Override
    public synchronized void close() {
        open = false;
    }
}

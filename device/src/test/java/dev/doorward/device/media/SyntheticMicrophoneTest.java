package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SyntheticMicrophoneTest {

    private static int peak(byte[] frame) {
        int peak = 0;
        for (int i = 0; i < frame.length; i += 2) {
            peak = Math.max(peak, Math.abs((short) ((frame[i] & 0xff) | (frame[i + 1] << 8))));
        }
        return peak;
    }

    @Test
    void beepsDuringTheFirst200MillisecondsOfEverySecondOfTheDeviceClock() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T10:00:00Z"));
        SyntheticMicrophone microphone = new SyntheticMicrophone(clock, false);
        microphone.open();
        int[] peaks = new int[50];
        for (int i = 0; i < 50; i++) {
            byte[] frame = microphone.read();
            assertThat(frame).hasSize(Microphone.FRAME_BYTES);
            peaks[i] = peak(frame);
        }
        microphone.close();
        for (int i = 0; i < 50; i++) {
            if (i < 10) {
                assertThat(peaks[i]).as("frame " + i).isGreaterThan(SyntheticMicrophone.AMPLITUDE * 9 / 10);
            } else {
                assertThat(peaks[i]).as("frame " + i).isZero();
            }
        }

        // Opened half a second later: silence first.
        clock.advance(Duration.ofMillis(500));
        microphone.open();
        assertThat(peak(microphone.read())).isZero();
    }

    @Test
    void theToneIs440Hz() {
        // 440 Hz at 16 kHz: a period of 36.36 samples, so 8.8 cycles = 17.6 zero crossings per 20 ms frame.
        byte[] frame = SyntheticMicrophone.samples(0);
        int crossings = 0;
        short previous = 0;
        for (int i = 0; i < 320; i++) {
            short sample = (short) ((frame[2 * i] & 0xff) | (frame[2 * i + 1] << 8));
            if (i > 0 && (previous < 0) != (sample < 0)) {
                crossings++;
            }
            previous = sample;
        }
        assertThat(crossings).isBetween(16, 19);
    }

    @Test
    void aPacedMicrophoneDeliversOneFramePer20Milliseconds() throws Exception {
        SyntheticMicrophone microphone = new SyntheticMicrophone(java.time.Clock.systemUTC());
        microphone.open();
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            microphone.read();
        }
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        microphone.close();
        assertThat(elapsed).isBetween(195L, 400L);
    }
}

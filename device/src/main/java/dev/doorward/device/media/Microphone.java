package dev.doorward.device.media;

import java.time.Duration;

/**
 * The doorbell's microphone as docs/media.md wants its audio: 20 ms frames of 16 kHz mono signed 16-bit
 * little-endian PCM (640 bytes). {@link #read()} blocks until the next frame has been captured, the way a
 * sound card delivers audio, so the caller is paced by the device and never by a timer of its own. The
 * streamer opens the microphone only while somebody watches.
 */
public interface Microphone {
    int SAMPLE_RATE = 16_000;
    int FRAME_SAMPLES = 320;
    int FRAME_BYTES = 2 * FRAME_SAMPLES;
    Duration FRAME_DURATION = Duration.ofMillis(20);

    /** Starts capturing; frames captured before this are not delivered. */
    void open();

    /** The next 20 ms frame, {@value #FRAME_BYTES} bytes; blocks until it is complete. */
    byte[] read() throws InterruptedException;

    /** Stops capturing and releases the device; {@link #open()} may follow again. */
    void close();
}

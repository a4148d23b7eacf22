package dev.doorward.device.hardware.audio;

import dev.doorward.device.media.Speaker;
import java.util.concurrent.atomic.AtomicLong;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.SourceDataLine;

/**
 * The doorbell's speaker through Java Sound (ALSA on Linux), for what members say at the door. {@link #play}
 * runs on the link's receiving thread, so it never waits: a frame that does not fit in the line's buffer
 * (about 200 ms) is dropped and counted instead of delaying everything behind it.
 */
public final class AlsaSpeaker implements Speaker, AutoCloseable {
    private static final int BUFFER_BYTES = 10 * 640;

    private final SourceDataLine line;
    private final AtomicLong dropped = new AtomicLong();

    /** @param name a sound device name, or part of one (doorbell.conf {@code audio.speaker}) */
    public AlsaSpeaker(String name) {
        Mixer mixer = SoundDevices.find(name, SourceDataLine.class);
        try {
            line = (SourceDataLine) mixer.getLine(new DataLine.Info(SourceDataLine.class, SoundDevices.FORMAT));
            line.open(SoundDevices.FORMAT, BUFFER_BYTES);
            line.start();
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "cannot open the speaker " + mixer.getMixerInfo().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void play(byte[] pcm) {
        if (line.available() < pcm.length) {
            dropped.incrementAndGet();
            return;
        }
        line.write(pcm, 0, pcm.length);
    }

    /** Frames dropped because the speaker was behind. */
    public long dropped() {
        return dropped.get();
    }

    /** Plays what is buffered, then releases the device. */
    @Override
    public void close() {
        line.drain();
        line.close();
    }
}

package dev.doorward.device.hardware.audio;

import dev.doorward.device.media.Microphone;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.TargetDataLine;

/**
 * The doorbell's microphone through Java Sound (ALSA on Linux): 20 ms frames, paced by the sound card.
 * Opened only while somebody watches; what it hears goes only into the sealed stream.
 */
public final class AlsaMicrophone implements Microphone {
    private final Mixer mixer;
    private TargetDataLine line;

    /** @param name a sound device name, or part of one (doorbell.conf {@code audio.microphone}) */
    public AlsaMicrophone(String name) {
        this.mixer = SoundDevices.find(name, TargetDataLine.class);
    }

    @Override
    public synchronized void open() {
        if (line != null) {
            return;
        }
        try {
            TargetDataLine opened = (TargetDataLine)
                    mixer.getLine(new javax.sound.sampled.DataLine.Info(TargetDataLine.class, SoundDevices.FORMAT));
            // Room for 100 ms: enough to ride out a pause of the reading thread, little enough to stay live.
            opened.open(SoundDevices.FORMAT, 5 * FRAME_BYTES);
            opened.start();
            line = opened;
        } catch (LineUnavailableException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "cannot open the microphone " + mixer.getMixerInfo().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] read() throws InterruptedException {
        TargetDataLine current;
        synchronized (this) {
            current = line;
        }
        if (current == null) {
            throw new IllegalStateException("the microphone is not open");
        }
        byte[] frame = new byte[FRAME_BYTES];
        int filled = 0;
        while (filled < FRAME_BYTES) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            int n = current.read(frame, filled, FRAME_BYTES - filled);
            if (n <= 0 && !current.isOpen()) {
                throw new IllegalStateException("the microphone was closed");
            }
            filled += Math.max(0, n);
        }
        return frame;
    }

    @Override
    public synchronized void close() {
        if (line != null) {
            line.stop();
            line.close();
            line = null;
        }
    }
}

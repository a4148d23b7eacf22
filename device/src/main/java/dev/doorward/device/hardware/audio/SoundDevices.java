package dev.doorward.device.hardware.audio;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Line;
import javax.sound.sampled.Mixer;

/**
 * Finds a Java Sound mixer (on Linux: an ALSA device) by a name from doorbell.conf. The doorbell's audio is
 * always 16 kHz mono signed 16-bit little-endian (docs/media.md); ALSA's {@code plug} layer converts.
 */
final class SoundDevices {
    static final AudioFormat FORMAT = new AudioFormat(16_000f, 16, 1, true, false);

    private SoundDevices() {}

    /** The first mixer whose name contains {@code name} (case-insensitive) and that has such a line. */
    static Mixer find(String name, Class<? extends Line> lineClass) {
        DataLine.Info wanted = new DataLine.Info(lineClass, FORMAT);
        List<Mixer.Info> all = Arrays.asList(AudioSystem.getMixerInfo());
        String needle = name.toLowerCase(Locale.ROOT);
        for (Mixer.Info info : all) {
            Mixer mixer = AudioSystem.getMixer(info);
            if (info.getName().toLowerCase(Locale.ROOT).contains(needle) && mixer.isLineSupported(wanted)) {
                return mixer;
            }
        }
        String kind = lineClass.getSimpleName().equals("TargetDataLine") ? "microphone" : "speaker";
        throw new IllegalArgumentException("no sound device named like \"" + name + "\" can be a " + kind
                + " (16 kHz mono); the devices are: "
                + all.stream().map(Mixer.Info::getName).toList());
    }
}

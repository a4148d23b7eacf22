package dev.doorward.device.hardware.audio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real javax.sound → ALSA path, with alsa-lib's {@code file} plugin as the sound card (TECH-NOTES
 * "Hardware stand-ins"): the microphone reads {@code in.raw}, the speaker writes {@code spk.raw}.
 */
class AlsaAudioTest {
    @TempDir
    Path dir;

    @Test
    void theMicrophoneReadsTheCardAndTheSpeakerWritesIt() throws Exception {
        Files.writeString(dir.resolve(".asoundrc"), """
                pcm.!default { type plug slave.pcm "tap" }
                pcm.tap { type file slave.pcm "null" file "DIR/spk.raw" infile "DIR/in.raw" format "raw" }
                pcm.null { type null }
                """.replace("DIR", dir.toString()));
        byte[] in = pattern(64_000, 7);
        Files.write(dir.resolve("in.raw"), in);
        byte[] talk = pattern(25 * 640, 13);
        Files.write(dir.resolve("play.raw"), talk);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(
                        java.toString(),
                        "-Djava.awt.headless=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        AlsaRoundTrip.class.getName(),
                        dir.toString(),
                        "default",
                        "default")
                .redirectErrorStream(true);
        builder.environment().put("HOME", dir.toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();

        byte[] heard = Files.readAllBytes(dir.resolve("mic.raw"));
        assertThat(heard).hasSize(5 * 640);
        assertThat(heard)
                .as("the first 100 ms of the card's input, sample for sample")
                .isEqualTo(Arrays.copyOf(in, heard.length));
        byte[] played = Files.readAllBytes(dir.resolve("spk.raw"));
        assertThat(out).contains("dropped 0");
        assertThat(played.length).isGreaterThanOrEqualTo(talk.length);
        assertThat(indexOf(played, Arrays.copyOf(talk, 640)))
                .as("the talk reached the card")
                .isGreaterThanOrEqualTo(0);
        assertThat(indexOf(played, Arrays.copyOfRange(talk, talk.length - 640, talk.length)))
                .isGreaterThan(0);
    }

    @Test
    void anUnknownDeviceNamesTheOnesThereAre() {
        List<String> none = List.of();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AlsaMicrophone("no such card " + none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no sound device named like \"no such card []\"");
    }

    private static byte[] pattern(int length, int seed) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i += 2) {
            short sample = (short) (8000 * Math.sin((i / 2 + seed) * 2 * Math.PI / 37));
            out[i] = (byte) sample;
            out[i + 1] = (byte) (sample >> 8);
        }
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

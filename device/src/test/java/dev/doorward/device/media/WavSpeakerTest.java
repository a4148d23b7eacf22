package dev.doorward.device.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavSpeakerTest {
    @TempDir
    Path dir;

    @Test
    void theFileIsAValidWavAfterEveryWrite() throws Exception {
        Path file = dir.resolve("speaker.wav");
        Files.write(file, new byte[5000]); // An old, longer file is replaced, not overwritten in part.
        try (WavSpeaker speaker = new WavSpeaker(file)) {
            assertThat(Files.size(file)).isEqualTo(44);
            try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
                assertThat(in.getFrameLength()).isZero();
            }
            for (int i = 1; i <= 3; i++) {
                speaker.play(SyntheticMicrophone.samples(i * 320L));
                try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
                    assertThat(in.getFrameLength()).isEqualTo(320L * i);
                    assertThat(in.getFormat().getFrameRate()).isEqualTo(16000f);
                }
                ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(header.getInt(4)).isEqualTo(36 + 640 * i);
                assertThat(header.getInt(40)).isEqualTo(640 * i);
                assertThat(header.getInt(28)).as("byte rate").isEqualTo(32000);
            }
            assertThat(speaker.dataBytes()).isEqualTo(1920);
            assertThatThrownBy(() -> speaker.play(new byte[3])).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

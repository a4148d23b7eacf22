package dev.doorward.device.hardware.audio;

import dev.doorward.device.media.Microphone;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by {@link AlsaAudioTest} in a JVM of its own, whose HOME holds an .asoundrc (alsa-lib reads it once per
 * process): records five microphone frames to {@code mic.raw} and plays {@code play.raw} on the speaker.
 */
public final class AlsaRoundTrip {
    private AlsaRoundTrip() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AlsaMicrophone microphone = new AlsaMicrophone(args[1]);
        microphone.open();
        ByteArrayOutputStream heard = new ByteArrayOutputStream();
        for (int i = 0; i < 5; i++) {
            byte[] frame = microphone.read();
            if (frame.length != Microphone.FRAME_BYTES) {
                throw new IllegalStateException("frame of " + frame.length + " bytes");
            }
            heard.writeBytes(frame);
        }
        microphone.close();
        Files.write(dir.resolve("mic.raw"), heard.toByteArray());

        byte[] talk = Files.readAllBytes(dir.resolve("play.raw"));
        try (AlsaSpeaker speaker = new AlsaSpeaker(args[2])) {
            for (int i = 0; i + 640 <= talk.length; i += 640) {
                speaker.play(java.util.Arrays.copyOfRange(talk, i, i + 640));
                Thread.sleep(20);
            }
            System.out.println("dropped " + speaker.dropped());
        }
    }
}

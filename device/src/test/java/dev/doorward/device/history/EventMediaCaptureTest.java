package dev.doorward.device.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Clip frames keep the camera's shape, so a wide camera's clip is not squeezed into 4:3. */
class EventMediaCaptureTest {
    @Test
    void clipFramesKeepTheCamerasShapeWithEvenSides() {
        assertThat(EventMediaCapture.clipSize(1280, 720)).containsExactly(320, 180);
        assertThat(EventMediaCapture.clipSize(1920, 1080)).containsExactly(320, 180);
        assertThat(EventMediaCapture.clipSize(640, 480)).containsExactly(320, 240);
        assertThat(EventMediaCapture.clipSize(720, 1280)).containsExactly(180, 320);
        assertThat(EventMediaCapture.clipSize(2592, 1944)).containsExactly(320, 240);
        // An odd result is rounded to even (H.264 needs whole macroblock pairs of chroma).
        assertThat(EventMediaCapture.clipSize(1000, 333)[1] % 2).isZero();
    }

    @Test
    void aCameraThatChangesResolutionStartsANewClipBuffer() {
        AtomicReference<BufferedImage> picture =
                new AtomicReference<>(new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB));
        try (EventMediaCapture capture = new EventMediaCapture(picture::get, Duration.ofMillis(200))) {
            Instant now = Instant.parse("2026-12-04T10:00:00Z");
            BufferedImage wide = capture.sample(now);
            assertThat(wide.getWidth()).isEqualTo(320);
            assertThat(wide.getHeight()).isEqualTo(180);
            capture.sample(now.plusMillis(200));
            assertThat(capture.bufferedFrames()).isEqualTo(2);

            picture.set(new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB));
            BufferedImage standard = capture.sample(now.plusMillis(400));
            assertThat(standard.getHeight()).isEqualTo(240);
            assertThat(capture.bufferedFrames()).isEqualTo(1);
        }
    }
}

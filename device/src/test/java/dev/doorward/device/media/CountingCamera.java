package dev.doorward.device.media;

import dev.doorward.device.camera.Camera;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a camera to count captures and, when asked, to be slow. */
final class CountingCamera implements Camera {
    private final Camera camera;
    final AtomicInteger captures = new AtomicInteger();
    volatile Duration delay = Duration.ZERO;

    CountingCamera(Camera camera) {
        this.camera = camera;
    }

    @Override
    public BufferedImage capture() {
        captures.incrementAndGet();
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return camera.capture();
    }
}

package dev.doorward.device.camera;

import java.awt.image.BufferedImage;

/** The doorbell's camera: one frame on demand. Real hardware and the simulator both implement it. */
public interface Camera {
    BufferedImage capture();
}

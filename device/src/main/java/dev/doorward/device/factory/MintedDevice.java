package dev.doorward.device.factory;

import java.nio.file.Path;

/**
 * A freshly minted device. {@code setupCode} is what gets printed on the label; the factory tool prints it
 * once and keeps it nowhere else.
 */
public record MintedDevice(String serial, String setupCode, Path deviceDir) {

    public Path label() {
        return deviceDir.resolve("label.png");
    }

    @Override
    public String toString() {
        return "MintedDevice[serial=" + serial + ", setupCode=[REDACTED], deviceDir=" + deviceDir + "]";
    }
}

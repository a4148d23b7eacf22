package dev.doorward.device.identity;

import java.nio.file.Path;

/**
 * Where a device keeps what. Three separate places because they have different lifetimes: the factory
 * identity never changes, the protected ownership store survives a user-level reset (like Activation Lock),
 * and the data directory is what such a reset wipes.
 */
public record DeviceLayout(Path deviceDir) {

    public Path identityDir() {
        return deviceDir.resolve("identity");
    }

    public Path deviceCertificate() {
        return identityDir().resolve("device.crt");
    }

    public Path deviceKey() {
        return identityDir().resolve("device.key");
    }

    public Path setupVerifier() {
        return identityDir().resolve("setup.verifier");
    }

    public Path manufacturerCaCertificate() {
        return identityDir().resolve("manufacturer-ca.crt");
    }

    /** The printed sticker; stands for the label inside the box, not for device storage. */
    public Path label() {
        return deviceDir.resolve("label.png");
    }

    public Path protectedDir() {
        return deviceDir.resolve("protected");
    }

    public Path dataDir() {
        return deviceDir.resolve("data");
    }

    public Path outboxDir() {
        return dataDir().resolve("outbox");
    }
}

package dev.doorward.device.identity;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * What the factory gave this device: its serial, its device credential (key + certificate from the
 * manufacturer CA) and the verifier of its setup code. The setup code itself is not here: it exists only on
 * the printed label.
 */
public record DeviceIdentity(
        String serial, Credential credential, SetupVerifier setupVerifier, X509Certificate manufacturerCa) {

    public DeviceIdentity {
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(setupVerifier, "setupVerifier");
        Objects.requireNonNull(manufacturerCa, "manufacturerCa");
    }

    public static DeviceIdentity load(Path deviceDir) {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        try {
            Credential credential = Credential.load(layout.deviceCertificate(), layout.deviceKey());
            SetupVerifier verifier =
                    SetupVerifier.decode(Files.readString(layout.setupVerifier(), StandardCharsets.US_ASCII)
                            .strip());
            X509Certificate manufacturerCa = Pem.parseCertificate(
                    Files.readString(layout.manufacturerCaCertificate(), StandardCharsets.US_ASCII));
            String serial = Serials.fromCertificate(credential.certificate());
            return new DeviceIdentity(serial, credential, verifier, manufacturerCa);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the device identity from " + deviceDir, e);
        }
    }

    @Override
    public String toString() {
        return "DeviceIdentity[serial=" + serial + "]";
    }
}

package dev.doorward.device.factory;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.crypto.setup.SetupVerifier;
import dev.doorward.device.files.AtomicFiles;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.identity.Serials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** What a manufacturer runs once per device: identity, certificate, setup code and label. */
public final class Factory {
    static final Duration MANUFACTURER_CA_VALIDITY = Duration.ofDays(20 * 365 + 5);
    static final Duration DEVICE_CERTIFICATE_VALIDITY = Duration.ofDays(10 * 365 + 2);
    static final String MANUFACTURER_CA_NAME = "Doorward Manufacturer CA";

    private Factory() {}

    /**
     * Mints one device into {@code deviceDir} (which must not hold a device yet), creating the manufacturer CA
     * in {@code manufacturerCaDir} on first use.
     */
    public static MintedDevice mint(Path manufacturerCaDir, Path deviceDir, Clock clock, SecureRandom random) {
        DeviceLayout layout = new DeviceLayout(deviceDir);
        try {
            if (Files.exists(layout.deviceCertificate()) || Files.exists(layout.deviceKey())) {
                throw new IllegalStateException("a device identity already exists in " + deviceDir);
            }
            CertificateAuthority ca = manufacturerCa(manufacturerCaDir, clock, random);

            // The serial is random, never derived from a MAC or a counter: knowing one says nothing about
            // the next, and it is a name, not a secret.
            String serial = Serials.newSerial(random);
            KeyPair keys = KeyPairs.newP256(random);
            X509Certificate certificate =
                    ca.issueDeviceCertificate(keys.getPublic(), serial, DEVICE_CERTIFICATE_VALIDITY);
            String setupCode = SetupCodes.generate(random);
            SetupVerifier verifier = SetupVerifier.create(serial, setupCode, random);

            AtomicFiles.ownerOnlyDirectory(layout.identityDir());
            new Credential(keys.getPrivate(), List.of(certificate))
                    .save(layout.deviceCertificate(), layout.deviceKey());
            AtomicFiles.ownerOnly(layout.deviceKey());
            AtomicFiles.ownerOnly(layout.deviceCertificate());
            AtomicFiles.write(layout.setupVerifier(), verifier.encode().getBytes(StandardCharsets.US_ASCII));
            AtomicFiles.write(
                    layout.manufacturerCaCertificate(),
                    Pem.certificate(ca.certificate()).getBytes(StandardCharsets.US_ASCII));
            Label.write(layout.label(), serial, setupCode);
            return new MintedDevice(serial, setupCode, deviceDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mint a device into " + deviceDir, e);
        }
    }

    private static CertificateAuthority manufacturerCa(Path dir, Clock clock, SecureRandom random) throws IOException {
        if (CertificateAuthority.exists(dir)) {
            return CertificateAuthority.load(dir, clock, random);
        }
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, MANUFACTURER_CA_NAME, MANUFACTURER_CA_VALIDITY, clock, random);
        AtomicFiles.ownerOnlyDirectory(dir);
        ca.save(dir);
        return ca;
    }
}

package dev.doorward.device.factory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.pairing.QrScanner;
import dev.doorward.protocol.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactoryTest {
    @TempDir
    Path temp;

    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();

    @Test
    void mintsAnIdentityWhoseCertificateChainsToTheManufacturerCa() {
        MintedDevice device = Factory.mint(temp.resolve("ca"), temp.resolve("d1"), clock, random);

        assertThat(device.serial()).matches("DW-[A-Z2-7]{12}");
        assertThat(device.setupCode()).matches("\\d{10}");
        assertThat(SetupCodes.isTrivial(device.setupCode())).isFalse();
        DeviceIdentity identity = DeviceIdentity.load(device.deviceDir());
        assertThat(identity.serial()).isEqualTo(device.serial());
        CertificateAuthority ca = CertificateAuthority.load(temp.resolve("ca"), clock, random);
        assertThat(Certificates.isIssuedBy(identity.credential().certificate(), ca.certificate()))
                .isTrue();
        assertThat(Certificates.kind(identity.credential().certificate())).isEqualTo(CertificateKind.DEVICE);
        assertThat(identity.manufacturerCa()).isEqualTo(ca.certificate());
    }

    @Test
    void setupCodeIsStoredNowhereOnTheDeviceExceptAsLabelPixels() throws IOException {
        MintedDevice device = Factory.mint(temp.resolve("ca"), temp.resolve("d1"), clock, random);
        String digits = device.setupCode();
        String formatted = SetupCodes.format(digits);

        List<Path> files;
        try (Stream<Path> walk = Files.walk(temp)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            assertThat(bytes).as(file.toString()).doesNotContain(digits).doesNotContain(formatted);
            // Nor in UTF-16, in case something ever serialises Java strings.
            String utf16 = new String(Files.readAllBytes(file), StandardCharsets.UTF_16BE);
            assertThat(utf16).as(file.toString()).doesNotContain(digits);
        }
    }

    @Test
    void labelQrCodeCarriesSerialAndCode() throws IOException {
        MintedDevice device = Factory.mint(temp.resolve("ca"), temp.resolve("d1"), clock, random);

        var label = ImageIO.read(device.label().toFile());
        assertThat(new QrScanner().scan(label))
                .contains("DOORWARD-SETUP:1:" + device.serial() + ":" + device.setupCode());
    }

    /**
     * Codes whose encoder-preferred QR zxing's detector cannot find even on a perfect image (found by a sweep of
     * random labels, about one in two hundred): their labels are drawn with a mask that reads.
     */
    @Test
    void aLabelWhoseFirstQrCodeDoesNotReadIsDrawnWithOneThatDoes() throws IOException {
        String[][] unlucky = {{"DW-1FTQNDAIF0G7", "7309383221"}, {"DW-SQ2UMO2AF284", "0263879821"}};
        for (String[] device : unlucky) {
            Path file = temp.resolve(device[0] + ".png");
            Label.write(file, device[0], device[1]);
            assertThat(new QrScanner().scan(ImageIO.read(file.toFile())))
                    .contains(Label.setupText(device[0], device[1]));
        }
    }

    @Test
    void devicesGetDistinctSerialsAndCodesFromOneManufacturerCa() {
        MintedDevice a = Factory.mint(temp.resolve("ca"), temp.resolve("a"), clock, random);
        MintedDevice b = Factory.mint(temp.resolve("ca"), temp.resolve("b"), clock, random);

        assertThat(a.serial()).isNotEqualTo(b.serial());
        assertThat(a.setupCode()).isNotEqualTo(b.setupCode());
        assertThat(DeviceIdentity.load(a.deviceDir()).manufacturerCa())
                .isEqualTo(DeviceIdentity.load(b.deviceDir()).manufacturerCa());
        assertThat(a.toString()).doesNotContain(a.setupCode());
    }

    @Test
    void refusesToMintOverAnExistingDevice() {
        Factory.mint(temp.resolve("ca"), temp.resolve("d"), clock, random);

        assertThatThrownBy(() -> Factory.mint(temp.resolve("ca"), temp.resolve("d"), clock, random))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void deviceKeyIsOwnerOnly() throws IOException {
        MintedDevice device = Factory.mint(temp.resolve("ca"), temp.resolve("d"), clock, random);
        Path key = new DeviceLayout(device.deviceDir()).deviceKey();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
    }
}

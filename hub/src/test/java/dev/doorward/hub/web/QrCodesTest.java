package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.pairing.QrScanner;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Every claim code the hub draws is one the doorbell's scanner reads. */
class QrCodesTest {
    /** A claim code whose preferred mask the detector cannot read back (protocol's ScannableQrTest shows it). */
    private static final String UNLUCKY =
            "DOORWARD-CLAIM:1:ukxtNxw4CdHQA9oUv2nRNw:elWjG6bIGcnqGlSlkcRZ33kHR0tpDyPKDqV0s31uBHQ"
                    + ":oEdGtZ4XON25ziMcgJZkzkwMrtl--cBqYAij5tSpCkQ:wss://localhost:50347/link";

    @Test
    void theDoorbellsScannerReadsTheHubsPngOfACodeTheEncodersFavouriteMaskSpoils() throws Exception {
        byte[] png = Base64.getDecoder().decode(QrCodes.png(UNLUCKY));
        assertThat(new QrScanner().scan(ImageIO.read(new ByteArrayInputStream(png))))
                .contains(UNLUCKY);
    }
}

package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import dev.doorward.device.pairing.QrScanner;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Every claim code the hub draws is one the doorbell's scanner reads. */
class QrCodesTest {
    /** A claim code whose preferred mask (5) the detector cannot read back, found by trying 3 000 random ones. */
    private static final String UNLUCKY =
            "DOORWARD-CLAIM:1:ukxtNxw4CdHQA9oUv2nRNw:elWjG6bIGcnqGlSlkcRZ33kHR0tpDyPKDqV0s31uBHQ"
                    + ":oEdGtZ4XON25ziMcgJZkzkwMrtl--cBqYAij5tSpCkQ:wss://localhost:50347/link";

    @Test
    void aCodeTheEncodersFavouriteMaskSpoilsIsDrawnWithAnotherMask() throws Exception {
        var preferred = new QRCodeWriter()
                .encode(
                        UNLUCKY,
                        BarcodeFormat.QR_CODE,
                        480,
                        480,
                        Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
        assertThat(QrCodes.readsBack(preferred, UNLUCKY))
                .as("the encoder's own choice")
                .isFalse();

        byte[] png = Base64.getDecoder().decode(QrCodes.png(UNLUCKY));
        assertThat(new QrScanner().scan(ImageIO.read(new ByteArrayInputStream(png))))
                .contains(UNLUCKY);
    }
}

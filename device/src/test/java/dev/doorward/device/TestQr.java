package dev.doorward.device;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.qrcode.QRCodeWriter;
import java.awt.image.BufferedImage;
import java.util.Map;

/** QR codes as the owner's screen would show them. */
public final class TestQr {
    private TestQr() {}

    public static BufferedImage qr(String text) {
        try {
            return MatrixToImageWriter.toBufferedImage(
                    new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 300, 300, Map.of(EncodeHintType.MARGIN, 1)));
        } catch (WriterException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.doorward.device;

import com.google.zxing.client.j2se.MatrixToImageWriter;
import dev.doorward.protocol.ScannableQr;
import java.awt.image.BufferedImage;

/** QR codes as the owner's screen would show them: drawn as the hub draws them. */
public final class TestQr {
    private TestQr() {}

    public static BufferedImage qr(String text) {
        return MatrixToImageWriter.toBufferedImage(ScannableQr.forScreen(text));
    }
}

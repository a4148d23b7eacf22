package dev.doorward.device.factory;

import com.google.zxing.client.j2se.MatrixToImageWriter;
import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.device.files.AtomicFiles;
import dev.doorward.protocol.ScannableQr;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The sticker inside the box: serial, setup code and a QR code of both for the owner's phone. The PNG
 * carries the code only as pixels (no text chunk), so nothing on the device can be grepped for it.
 */
final class Label {
    static final String SETUP_PREFIX = "DOORWARD-SETUP:1:";
    private static final int WIDTH = 480;
    private static final int HEIGHT = 640;
    private static final int QR_SIZE = 400;

    private Label() {}

    static String setupText(String serial, String setupCode) {
        return SETUP_PREFIX + serial + ":" + setupCode;
    }

    static void write(Path file, String serial, String setupCode) throws IOException {
        BufferedImage label = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = label.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 28));
            g.drawString("Doorward", 40, 50);
            g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 22));
            g.drawString("Serial      " + serial, 40, 95);
            g.drawString("Setup code  " + SetupCodes.format(setupCode), 40, 130);
            g.drawImage(qr(setupText(serial, setupCode)), (WIDTH - QR_SIZE) / 2, 170, null);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString("Keep this label. The setup code proves you hold the device.", 40, HEIGHT - 30);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(label, "png", png)) {
            throw new IOException("no PNG writer");
        }
        AtomicFiles.write(file, png.toByteArray());
    }

    /** Drawn so a phone's scanner reads it, as the hub draws codes for the doorbell ({@link ScannableQr}). */
    private static BufferedImage qr(String text) {
        return MatrixToImageWriter.toBufferedImage(ScannableQr.draw(text, QR_SIZE, 2));
    }
}

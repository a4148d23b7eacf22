package dev.doorward.protocol;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.ReaderException;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A QR code drawn so that a camera reads it: claim and move codes on the owner's screen for the doorbell, the setup
 * code on the device's label for the owner's phone. Now and then a code comes out, with the mask the encoder
 * prefers, in a shape whose finder patterns zxing's detector (the doorbell's) misreads even on a perfect
 * image; such a code is drawn again with another of the eight masks until it reads back.
 */
public final class ScannableQr {
    /** What the hub's pages show (pixels a side, quiet zone in modules). */
    public static final int SCREEN_SIZE = 480;

    public static final int SCREEN_MARGIN = 4;

    /** No mask pattern: the encoder picks the one with the lowest penalty, as the QR standard says. */
    private static final int ENCODER_CHOICE = -1;

    private ScannableQr() {}

    /** As the hub's pages show a code. */
    public static BitMatrix forScreen(String text) {
        return draw(text, SCREEN_SIZE, SCREEN_MARGIN);
    }

    /**
     * @param size pixels a side (at least; a code with more modules than fit comes out larger)
     * @param margin the quiet zone around the code, in modules
     * @throws IllegalArgumentException if the text does not fit a QR code
     */
    public static BitMatrix draw(String text, int size, int margin) {
        BitMatrix matrix = encode(text, size, margin, ENCODER_CHOICE);
        for (int mask = 0; mask < 8 && !readsBack(matrix, text); mask++) {
            matrix = encode(text, size, margin, mask);
        }
        return matrix;
    }

    /** The code with the given mask, or the encoder's choice; not checked. */
    static BitMatrix encode(String text, int size, int margin, int mask) {
        Map<EncodeHintType, Object> hints = new HashMap<>();
        hints.put(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M);
        hints.put(EncodeHintType.MARGIN, margin);
        if (mask != ENCODER_CHOICE) {
            hints.put(EncodeHintType.QR_MASK_PATTERN, mask);
        }
        try {
            return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, size, size, hints);
        } catch (WriterException e) {
            throw new IllegalArgumentException("text does not fit a QR code", e);
        }
    }

    /** Whether the detector a camera uses (not the pure-barcode shortcut) finds and reads this code. */
    static boolean readsBack(BitMatrix matrix, String text) {
        int width = matrix.getWidth();
        int height = matrix.getHeight();
        int[] pixels = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                pixels[y * width + x] = matrix.get(x, y) ? 0xFF000000 : 0xFFFFFFFF;
            }
        }
        try {
            return text.equals(new QRCodeReader()
                    .decode(
                            new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(width, height, pixels))),
                            Map.of(DecodeHintType.POSSIBLE_FORMATS, List.of(BarcodeFormat.QR_CODE)))
                    .getText());
        } catch (ReaderException e) {
            return false;
        }
    }
}

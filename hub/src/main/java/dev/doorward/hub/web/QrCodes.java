package dev.doorward.hub.web;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.ReaderException;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * QR codes for the doorbell camera (claim and move codes), rendered by the hub so the browser needs no QR
 * library. They travel in response bodies as base64 PNG, never in a URL.
 */
public final class QrCodes {
    private static final int SIZE = 480;
    /** No mask pattern: the encoder picks the one with the lowest penalty, as the QR standard says. */
    private static final int ENCODER_CHOICE = -1;

    private QrCodes() {}

    /**
     * The code as a PNG that a camera's QR detector reads. About one code in a hundred comes out, with the mask the
     * encoder prefers, in a shape whose finder patterns zxing's detector (the doorbell's) misreads even on a
     * perfect image; such a code is drawn again with another of the eight masks until it reads back.
     */
    public static String png(String text) {
        BitMatrix matrix = encode(text, ENCODER_CHOICE);
        for (int mask = 0; mask < 8 && !readsBack(matrix, text); mask++) {
            matrix = encode(text, mask);
        }
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            MatrixToImageWriter.writeToStream(matrix, "PNG", png);
            return Base64.getEncoder().encodeToString(png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BitMatrix encode(String text, int mask) {
        Map<EncodeHintType, Object> hints = new HashMap<>();
        hints.put(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M);
        hints.put(EncodeHintType.MARGIN, 4);
        if (mask != ENCODER_CHOICE) {
            hints.put(EncodeHintType.QR_MASK_PATTERN, mask);
        }
        try {
            return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, SIZE, SIZE, hints);
        } catch (WriterException e) {
            throw new IllegalStateException("text does not fit a QR code", e);
        }
    }

    /** Whether the detector a camera uses (not the pure-barcode shortcut) finds and reads this code. */
    static boolean readsBack(BitMatrix matrix, String text) {
        BufferedImage image = MatrixToImageWriter.toBufferedImage(matrix);
        try {
            return text.equals(new QRCodeReader()
                    .decode(
                            new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image))),
                            Map.of(DecodeHintType.POSSIBLE_FORMATS, java.util.List.of(BarcodeFormat.QR_CODE)))
                    .getText());
        } catch (ReaderException e) {
            return false;
        }
    }
}

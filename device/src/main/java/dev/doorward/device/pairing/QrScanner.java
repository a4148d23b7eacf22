package dev.doorward.device.pairing;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.ChecksumException;
import com.google.zxing.DecodeHintType;
import com.google.zxing.FormatException;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a QR code from a camera frame. QR only and without TRY_HARDER: the device scans several frames a
 * second while pairing, and someone holding up a code holds it long enough for a cheap pass to catch it.
 */
public final class QrScanner {
    private static final Map<DecodeHintType, Object> HINTS = Map.of(
            DecodeHintType.POSSIBLE_FORMATS, List.of(BarcodeFormat.QR_CODE),
            DecodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name());

    public Optional<String> scan(BufferedImage frame) {
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(frame)));
        try {
            // A new reader per frame: QRCodeReader keeps state and is not thread-safe.
            Result result = new QRCodeReader().decode(bitmap, HINTS);
            return Optional.ofNullable(result.getText());
        } catch (NotFoundException | ChecksumException | FormatException e) {
            return Optional.empty();
        }
    }
}

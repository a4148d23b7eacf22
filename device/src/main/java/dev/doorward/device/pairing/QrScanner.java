package dev.doorward.device.pairing;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.ChecksumException;
import com.google.zxing.DecodeHintType;
import com.google.zxing.FormatException;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.GlobalHistogramBinarizer;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a QR code from a camera frame. QR only, cheap passes first: the device scans several frames a
 * second while pairing, and someone holding up a code holds it long enough for a cheap pass to catch it.
 */
public final class QrScanner {
    private static final Map<DecodeHintType, Object> HINTS = Map.of(
            DecodeHintType.POSSIBLE_FORMATS,
            List.of(BarcodeFormat.QR_CODE),
            DecodeHintType.CHARACTER_SET,
            StandardCharsets.UTF_8.name());
    private static final Map<DecodeHintType, Object> THOROUGH = Map.of(
            DecodeHintType.POSSIBLE_FORMATS, List.of(BarcodeFormat.QR_CODE),
            DecodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name(),
            DecodeHintType.TRY_HARDER, Boolean.TRUE);

    public Optional<String> scan(BufferedImage frame) {
        var luminance = new BufferedImageLuminanceSource(frame);
        // The local binarizer first; the global one reads the soft edges of a small, scaled-up code that the
        // local one sometimes misses (seen with a 200-pixel code on a 440-pixel screen). Still cheap.
        Optional<String> text = decode(new BinaryBitmap(new HybridBinarizer(luminance)), HINTS);
        if (text.isEmpty()) {
            text = decode(new BinaryBitmap(new GlobalHistogramBinarizer(luminance)), HINTS);
        }
        // Last, the thorough pass: it costs more, but only on frames where the cheap passes found nothing.
        return text.isPresent() ? text : decode(new BinaryBitmap(new HybridBinarizer(luminance)), THOROUGH);
    }

    private static Optional<String> decode(BinaryBitmap bitmap, Map<DecodeHintType, Object> hints) {
        try {
            // A new reader per frame: QRCodeReader keeps state and is not thread-safe.
            Result result = new QRCodeReader().decode(bitmap, hints);
            return Optional.ofNullable(result.getText());
        } catch (NotFoundException | ChecksumException | FormatException e) {
            return Optional.empty();
        }
    }
}

package dev.doorward.hub.web;

import com.google.zxing.client.j2se.MatrixToImageWriter;
import dev.doorward.protocol.ScannableQr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * QR codes for the doorbell camera (claim and move codes), rendered by the hub so the browser needs no QR
 * library. They travel in response bodies as base64 PNG, never in a URL.
 */
public final class QrCodes {
    private QrCodes() {}

    /** The code as a PNG that the doorbell's camera reads ({@link ScannableQr}). */
    public static String png(String text) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            MatrixToImageWriter.writeToStream(ScannableQr.forScreen(text), "PNG", png);
            return Base64.getEncoder().encodeToString(png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

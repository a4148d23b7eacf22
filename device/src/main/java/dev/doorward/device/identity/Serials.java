package dev.doorward.device.identity;

import dev.doorward.crypto.pki.Certificates;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.regex.Pattern;

/** Device serial numbers: "DW-" and 12 random base32 characters. A serial is a name, never a credential. */
public final class Serials {
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final Pattern SERIAL = Pattern.compile("DW-[A-Z2-7]{12}");

    private Serials() {}

    public static String newSerial(SecureRandom random) {
        StringBuilder serial = new StringBuilder("DW-");
        for (int i = 0; i < 12; i++) {
            serial.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return serial.toString();
    }

    public static boolean isSerial(String text) {
        return text != null && SERIAL.matcher(text).matches();
    }

    /** The serial is the device certificate's common name, so it cannot disagree with what the hub sees. */
    static String fromCertificate(X509Certificate certificate) {
        String cn = Certificates.commonName(certificate)
                .orElseThrow(() -> new IllegalStateException("device certificate has no common name"));
        if (!isSerial(cn)) {
            throw new IllegalStateException("device certificate does not name a Doorward serial");
        }
        return cn;
    }
}

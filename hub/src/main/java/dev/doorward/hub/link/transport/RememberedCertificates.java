package dev.doorward.hub.link.transport;

import dev.doorward.crypto.Hashes;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509TrustManager;

/**
 * Remembers which exact client certificate chains passed the full check, so a device reconnecting with the same
 * certificate (a network blip, a reconnect storm) is not checked again from scratch: path building and a
 * signature verification in Java cost ~1 ms of CPU per handshake, most of the hub's share of one (the benchmarks'
 * profile).
 *
 * <p>Sound because the full check of a given chain against fixed trust anchors depends on nothing but the time:
 * an entry is the chain's SHA-256 and the window in which every certificate of the chain, and every anchor, is
 * valid; outside it the full check runs again. A chain that fails is never remembered. Whether a certificate is
 * still the one the hub last issued to its device (revocation) is the link logic's check, on every connection.
 */
final class RememberedCertificates implements X509TrustManager {
    /** About 150 bytes each; at the limit the memory is forgotten wholesale and refills as devices reconnect. */
    static final int MAX_REMEMBERED = 250_000;

    private record Window(long notBeforeMillis, long notAfterMillis) {
        boolean contains(long now) {
            return now >= notBeforeMillis && now <= notAfterMillis;
        }
    }

    private final X509TrustManager fullCheck;
    private final Clock clock;
    private final long anchorsNotBefore;
    private final long anchorsNotAfter;
    private final Map<String, Window> passed = new ConcurrentHashMap<>();

    RememberedCertificates(X509TrustManager fullCheck, Clock clock) {
        this.fullCheck = fullCheck;
        this.clock = clock;
        long notBefore = Long.MIN_VALUE;
        long notAfter = Long.MAX_VALUE;
        for (X509Certificate anchor : fullCheck.getAcceptedIssuers()) {
            notBefore = Math.max(notBefore, anchor.getNotBefore().getTime());
            notAfter = Math.min(notAfter, anchor.getNotAfter().getTime());
        }
        this.anchorsNotBefore = notBefore;
        this.anchorsNotAfter = notAfter;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        String key = fingerprint(chain);
        Window window = key == null ? null : passed.get(key);
        if (window != null && window.contains(clock.millis())) {
            return;
        }
        fullCheck.checkClientTrusted(chain, authType);
        if (key != null) {
            if (passed.size() >= MAX_REMEMBERED) {
                passed.clear();
            }
            passed.put(key, windowOf(chain));
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        fullCheck.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return fullCheck.getAcceptedIssuers();
    }

    int remembered() {
        return passed.size();
    }

    private Window windowOf(X509Certificate[] chain) {
        long notBefore = anchorsNotBefore;
        long notAfter = anchorsNotAfter;
        for (X509Certificate certificate : chain) {
            notBefore = Math.max(notBefore, certificate.getNotBefore().getTime());
            notAfter = Math.min(notAfter, certificate.getNotAfter().getTime());
        }
        return new Window(notBefore, notAfter);
    }

    /** SHA-256 over the chain's DER encodings, each preceded by its length; null for an empty or unreadable one. */
    private static String fingerprint(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return null;
        }
        try {
            byte[][] parts = new byte[chain.length * 2][];
            for (int i = 0; i < chain.length; i++) {
                byte[] der = chain[i].getEncoded();
                parts[2 * i] = new byte[] {
                    (byte) (der.length >>> 24), (byte) (der.length >>> 16), (byte) (der.length >>> 8), (byte) der.length
                };
                parts[2 * i + 1] = der;
            }
            return HexFormat.of().formatHex(Hashes.sha256(parts));
        } catch (CertificateEncodingException e) {
            return null;
        }
    }
}

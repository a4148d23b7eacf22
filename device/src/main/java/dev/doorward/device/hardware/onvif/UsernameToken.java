package dev.doorward.device.hardware.onvif;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * WS-Security UsernameToken with PasswordDigest, as ONVIF requires: Base64(SHA-1(nonce + created + password)).
 * The password itself never travels; a fresh nonce and the time make each header single-use for a doorbell that
 * checks them. (SHA-1 because the standard says so; it is computed in the crypto module.)
 */
final class UsernameToken {
    private static final String WSSE =
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    private static final String WSU =
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    private static final String DIGEST =
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
    private static final String BASE64 =
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

    private UsernameToken() {}

    static String digest(byte[] nonce, String created, String password) {
        return Base64.getEncoder()
                .encodeToString(Hashes.sha1ForLegacyProtocol(
                        nonce, created.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8)));
    }

    /** The {@code wsse:Security} header for one request. */
    static String header(String user, String password, byte[] nonce, Instant created) {
        String time = created.truncatedTo(ChronoUnit.SECONDS).toString();
        return "<wsse:Security s:mustUnderstand=\"1\" xmlns:wsse=\"" + WSSE + "\" xmlns:wsu=\"" + WSU + "\">"
                + "<wsse:UsernameToken>"
                + "<wsse:Username>" + Soap.escape(user) + "</wsse:Username>"
                + "<wsse:Password Type=\"" + DIGEST + "\">" + digest(nonce, time, password) + "</wsse:Password>"
                + "<wsse:Nonce EncodingType=\"" + BASE64 + "\">"
                + Base64.getEncoder().encodeToString(nonce)
                + "</wsse:Nonce>"
                + "<wsu:Created>" + time + "</wsu:Created>"
                + "</wsse:UsernameToken></wsse:Security>";
    }
}

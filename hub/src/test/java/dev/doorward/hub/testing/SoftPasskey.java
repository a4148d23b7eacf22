package dev.doorward.hub.testing;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.KeyPairs;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A software passkey: what a browser's platform authenticator answers to {@code navigator.credentials.create} and
 * {@code .get}, in WebAuthn's own wire format (CBOR attestation object with "none" attestation, an ES256 key, an
 * authenticator data structure, a client data JSON naming the challenge and origin). The authenticator is outside the
 * hub (it lives in the user's phone or laptop), so the tests stand one in, speaking the real protocol; the hub checks
 * it with Spring Security's real WebAuthn code.
 */
public final class SoftPasskey {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

    private final KeyPair key = KeyPairs.newP256(new SecureRandom());
    private final byte[] credentialId = new byte[16];
    private byte[] userHandle;
    private int signCount;

    public SoftPasskey() {
        new SecureRandom().nextBytes(credentialId);
    }

    public String credentialId() {
        return B64.encodeToString(credentialId);
    }

    /** The answer to registration options ({@code POST /webauthn/register/options}), made for {@code origin}. */
    public Map<String, Object> register(JsonNode options, String origin) {
        String rpId = options.get("rp").get("id").asString();
        userHandle = UNB64.decode(options.get("user").get("id").asString());
        byte[] clientData =
                clientData("webauthn.create", options.get("challenge").asString(), origin);
        ByteArrayOutputStream authData = new ByteArrayOutputStream();
        authData.writeBytes(Hashes.sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        authData.write(0x45); // user present, user verified, attested credential data included
        authData.writeBytes(ByteBuffer.allocate(4).putInt(signCount).array());
        authData.writeBytes(new byte[16]); // AAGUID: none
        authData.writeBytes(
                ByteBuffer.allocate(2).putShort((short) credentialId.length).array());
        authData.writeBytes(credentialId);
        authData.writeBytes(coseKey());
        ByteArrayOutputStream attestation = new ByteArrayOutputStream();
        attestation.write(0xA3); // map of 3
        text(attestation, "fmt");
        text(attestation, "none");
        text(attestation, "attStmt");
        attestation.write(0xA0); // empty map
        text(attestation, "authData");
        bytes(attestation, authData.toByteArray());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("attestationObject", B64.encodeToString(attestation.toByteArray()));
        response.put("clientDataJSON", B64.encodeToString(clientData));
        response.put("transports", List.of("internal"));
        return credential(response);
    }

    /** The answer to sign-in options ({@code POST /webauthn/authenticate/options}), made for {@code origin}. */
    public Map<String, Object> signIn(JsonNode options, String origin) throws Exception {
        String rpId = options.get("rpId").asString();
        byte[] clientData = clientData("webauthn.get", options.get("challenge").asString(), origin);
        ByteArrayOutputStream authData = new ByteArrayOutputStream();
        authData.writeBytes(Hashes.sha256(rpId.getBytes(StandardCharsets.UTF_8)));
        authData.write(0x05); // user present, user verified
        authData.writeBytes(ByteBuffer.allocate(4).putInt(++signCount).array());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key.getPrivate());
        signer.update(authData.toByteArray());
        signer.update(Hashes.sha256(clientData));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("authenticatorData", B64.encodeToString(authData.toByteArray()));
        response.put("clientDataJSON", B64.encodeToString(clientData));
        response.put("signature", B64.encodeToString(signer.sign()));
        response.put("userHandle", B64.encodeToString(userHandle));
        return credential(response);
    }

    private Map<String, Object> credential(Map<String, Object> response) {
        Map<String, Object> credential = new LinkedHashMap<>();
        credential.put("id", credentialId());
        credential.put("rawId", credentialId());
        credential.put("type", "public-key");
        credential.put("response", response);
        credential.put("clientExtensionResults", Map.of());
        credential.put("authenticatorAttachment", "platform");
        return credential;
    }

    private static byte[] clientData(String type, String challenge, String origin) {
        return ("{\"type\":\"" + type + "\",\"challenge\":\"" + challenge + "\",\"origin\":\"" + origin
                        + "\",\"crossOrigin\":false}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The public key as COSE: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
    private byte[] coseKey() {
        ECPublicKey publicKey = (ECPublicKey) key.getPublic();
        ByteArrayOutputStream cose = new ByteArrayOutputStream();
        cose.write(0xA5);
        cose.write(0x01);
        cose.write(0x02);
        cose.write(0x03);
        cose.write(0x26);
        cose.write(0x20);
        cose.write(0x01);
        cose.write(0x21);
        bytes(cose, unsigned32(publicKey.getW().getAffineX()));
        cose.write(0x22);
        bytes(cose, unsigned32(publicKey.getW().getAffineY()));
        return cose.toByteArray();
    }

    private static byte[] unsigned32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }

    private static void text(ByteArrayOutputStream out, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        header(out, 0x60, utf8.length);
        out.writeBytes(utf8);
    }

    private static void bytes(ByteArrayOutputStream out, byte[] bytes) {
        header(out, 0x40, bytes.length);
        out.writeBytes(bytes);
    }

    private static void header(ByteArrayOutputStream out, int major, int length) {
        if (length < 24) {
            out.write(major | length);
        } else if (length < 256) {
            out.write(major | 24);
            out.write(length);
        } else {
            out.write(major | 25);
            out.write(length >> 8);
            out.write(length & 0xFF);
        }
    }
}

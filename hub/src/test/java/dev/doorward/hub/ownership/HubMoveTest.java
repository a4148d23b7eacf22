package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zxing.client.j2se.MatrixToImageWriter;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.MoveCode;
import dev.doorward.protocol.ScannableQr;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Pairing mode on an owned doorbell can only bring it back to its own hub: when the hub's address changes,
 * the owner's browser signs the new address and shows it to the camera. A move signed by anyone else is
 * ignored.
 */
class HubMoveTest {
    @TempDir
    Path dir;

    @Test
    void theOwnerCanMoveTheDoorbellToTheHubsNewAddressAndNobodyElseCan() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = owner.claim(hub, minted);
            String deviceId = doorbell.deviceId().orElseThrow();

            // The hub moves: same CA and data, new address. The doorbell keeps knocking at the old one.
            hub.restartOnNewPorts();
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(3)))
                    .isFalse();
            BrowserClient browser = owner.browser().movedTo(hub);
            assertThat(browser.login(owner.username(), Household.PASSWORD).status())
                    .isEqualTo(204);
            JsonNode listed = browser.get("/api/devices").json().get(0);
            URI newAddress = URI.create(listed.get("deviceLinkUrl").stringValue());
            String caFingerprint = listed.get("hubCaFingerprint").stringValue();
            doorbell.holdButton(Duration.ofSeconds(6));

            // Someone else's signed move (the right address, even) is ignored.
            KeyPair stranger = KeyPairs.newP256(new SecureRandom());
            long now = Instant.now().toEpochMilli();
            String statement = MoveCode.statement(deviceId, caFingerprint, now, newAddress);
            MoveCode forged = new MoveCode(
                    deviceId,
                    caFingerprint,
                    now,
                    b64(Signatures.sign(stranger.getPrivate(), statement.getBytes(StandardCharsets.UTF_8))),
                    b64(stranger.getPublic().getEncoded()),
                    newAddress);
            doorbell.camera().show(qr(forged.format()));
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(3)))
                    .isFalse();
            // The hub will not render one for a key that is not the account's own either.
            assertThat(browser.postJson(
                                    "/api/devices/" + deviceId + "/move-code",
                                    Map.of(
                                            "issuedAt",
                                            now,
                                            "signature",
                                            forged.signature(),
                                            "signerPublicKey",
                                            forged.signerPublicKey()))
                            .status())
                    .isEqualTo(400);

            // The owner's browser signs the move; the hub renders it; the doorbell follows.
            BrowserClient.Response move = browser.postJson(
                    "/api/devices/" + deviceId + "/move-code",
                    Map.of(
                            "issuedAt", now,
                            "signature", browser.signWithClientKey(statement),
                            "signerPublicKey", browser.clientPublicKey()));
            assertThat(move.status()).as(move.body()).isEqualTo(200);
            doorbell.camera().show(decode(move.json().get("qrPng").stringValue()));
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                    .isTrue();
            doorbell.camera().clearShown();
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);
            assertThat(doorbell.deviceId()).contains(deviceId);
            assertThat(doorbell.pressButton()).isPresent();
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Drawn as a screen shows it: a forged code the doorbell can read, so its refusal is the signature's. */
    static BufferedImage qr(String text) {
        return MatrixToImageWriter.toBufferedImage(ScannableQr.forScreen(text));
    }

    static BufferedImage decode(String base64Png) throws Exception {
        return javax.imageio.ImageIO.read(
                new java.io.ByteArrayInputStream(Base64.getDecoder().decode(base64Png)));
    }
}

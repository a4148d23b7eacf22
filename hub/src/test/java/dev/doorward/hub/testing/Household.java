package dev.doorward.hub.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;

/** A signed-in account with its household, and the steps its owner takes in tests. */
public record Household(BrowserClient browser, String username, String householdId) {
    public static final String PASSWORD = "correct horse battery staple";

    /** The hub's first account, created through the one-time setup link. */
    public static Household firstOwner(TestHub hub) {
        BrowserClient browser = hub.browser();
        assertThat(browser.setup(hub.setupToken(), "owner", PASSWORD).status()).isEqualTo(201);
        assertThat(browser.login("owner", PASSWORD).status()).isEqualTo(204);
        return new Household(browser, "owner", browser.householdId());
    }

    /** Another account with its own household (the hub must run with open sign-up). */
    public static Household signUp(TestHub hub, String username) {
        BrowserClient browser = hub.browser();
        assertThat(browser.signUp(username, PASSWORD).status()).isEqualTo(201);
        assertThat(browser.login(username, PASSWORD).status()).isEqualTo(204);
        return new Household(browser, username, browser.householdId());
    }

    /**
     * A new account (the hub must run with open sign-up) that joins this household in {@code role} through an
     * invitation and registers its browser; the browser is not approved until a roster lists it.
     */
    public Household invite(TestHub hub, String username, String role) {
        String link = browser.postJson("/api/households/" + householdId + "/invitations", Map.of("role", role))
                .json()
                .get("link")
                .stringValue();
        Household member = signUp(hub, username);
        BrowserClient.Response accepted = member.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        assertThat(accepted.status()).as(accepted.body()).isBetween(200, 299);
        member.browser().registerClient();
        return new Household(member.browser(), username, householdId);
    }

    /** Asks for a claim QR code for this setup code; returns it as the picture a phone screen would show. */
    public ClaimQr startClaim(String setupCode) {
        BrowserClient.Response response = browser.startClaim(householdId, setupCode);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode body = response.json();
        return new ClaimQr(
                body.get("handle").stringValue(), decodePng(body.get("qrPng").stringValue()));
    }

    /** The whole claim as a person does it: code typed in, QR shown to the camera, device owned and online. */
    public DeviceAgent claim(TestHub hub, MintedDevice minted) {
        return claim(hub.startDevice(minted), minted.setupCode());
    }

    /** Claims a doorbell that is already powered on and in pairing mode. */
    public DeviceAgent claim(DeviceAgent agent, String setupCode) {
        ClaimQr qr = startClaim(setupCode);
        agent.camera().show(qr.image());
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, Duration.ofSeconds(20)))
                .isTrue();
        agent.camera().clearShown();
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        return agent;
    }

    public record ClaimQr(String handle, BufferedImage image) {}

    static BufferedImage decodePng(String base64) {
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

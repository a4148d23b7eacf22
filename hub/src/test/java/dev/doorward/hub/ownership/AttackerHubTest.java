package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EKEN takeover through an attacker-run hub: the attacker runs a hub of their own that trusts the same
 * manufacturer (as any Doorward hub does) and shows the owned doorbell a claim code for it. The doorbell
 * does not even connect there; its own hub tells the owner.
 */
class AttackerHubTest {
    @TempDir
    Path ownersSide;

    @TempDir
    Path attackersSide;

    @Test
    void anOwnedDoorbellNeverConnectsToAnotherHub() throws Exception {
        try (TestHub ownersHub = TestHub.start(ownersSide)) {
            // The attacker's hub trusts the same manufacturer CA: it would accept this doorbell's factory certificate.
            Files.createDirectories(attackersSide.resolve("factory-ca"));
            for (String file : new String[] {"ca.crt", "ca.key"}) {
                Files.copy(
                        ownersHub.manufacturerCaDir().resolve(file),
                        attackersSide.resolve("factory-ca").resolve(file));
            }
            try (TestHub attackersHub = TestHub.start(attackersSide)) {
                Household owner = Household.firstOwner(ownersHub);
                MintedDevice minted = ownersHub.mintDevice("front");
                DeviceAgent doorbell = owner.claim(ownersHub, minted);
                BrowserClient.Stream ownerStream = owner.browser().openStream();
                ownerStream.awaitType("hello", Duration.ofSeconds(5));

                Household attacker = Household.firstOwner(attackersHub);
                doorbell.holdButton(Duration.ofSeconds(6));
                Household.ClaimQr qr = attacker.startClaim(minted.setupCode());
                doorbell.camera().show(qr.image());

                assertThat(ownerStream.await(
                                m -> m.path("message").asString("").contains("claim code for another hub"),
                                Duration.ofSeconds(10)))
                        .isPresent();
                doorbell.camera().clearShown();
                assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);
                // The attacker's hub never heard from the doorbell: its claim is still waiting.
                assertThat(attacker.browser()
                                .get("/api/claims/" + qr.handle())
                                .json()
                                .get("state")
                                .stringValue())
                        .isEqualTo("waiting");
                assertThat(attacker.browser().get("/api/devices").json()).isEmpty();
                assertThat(owner.browser()
                                .get("/api/audit?householdId=" + owner.householdId())
                                .body())
                        .contains("another hub");
            }
        }
    }
}

package dev.doorward.hub.claim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The first vertical slice against a real hub and real device agents: claim by QR code, ring, and the
 * EKEN-style takeover attempts that must fail.
 */
class ClaimAndRingTest {
    @TempDir
    static Path dir;

    static TestHub hub;
    static Household owner;
    static MintedDevice frontDoor;
    static DeviceAgent frontDoorAgent;

    @BeforeAll
    static void claimAFrontDoor() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
        owner = Household.firstOwner(hub);
        frontDoor = hub.mintDevice("front");
        frontDoorAgent = owner.claim(hub, frontDoor);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void ringReachesEveryOpenSessionOfTheHousehold() {
        // The app's stream on the live port, and one on the browser port (its fallback when the live port is out
        // of reach): the same ring on both.
        BrowserClient.Stream phone = owner.browser().openStream();
        BrowserClient.Stream laptop = owner.browser().openStreamOn(hub.browserPort());
        assertThat(phone.awaitType("hello", Duration.ofSeconds(5))).isPresent();
        assertThat(laptop.awaitType("hello", Duration.ofSeconds(5))).isPresent();

        String eventId = frontDoorAgent.pressButton().orElseThrow();

        for (BrowserClient.Stream session : new BrowserClient.Stream[] {phone, laptop}) {
            JsonNode ring = session.awaitType("ring", Duration.ofSeconds(5)).orElseThrow();
            assertThat(ring.get("eventId").stringValue()).isEqualTo(eventId);
            assertThat(ring.get("deviceName").stringValue()).isEqualTo("Front door");
        }
        phone.close();
        laptop.close();
    }

    /**
     * With only live-port streams open, a ring is told on the network thread that read it, and its turn (storing it)
     * must not tell it again; with a browser-port stream in the household it is told in its turn. Once either way.
     */
    @Test
    void aRingIsToldOnceOnEachStreamWhicheverThreadTellsIt() {
        BrowserClient.Stream phone = owner.browser().openStream();
        assertThat(phone.awaitType("hello", Duration.ofSeconds(5))).isPresent();

        String atOnce = frontDoorAgent.pressButton().orElseThrow();
        assertThat(phone.await(ringOf(atOnce), Duration.ofSeconds(5))).isPresent();
        assertThat(phone.await(ringOf(atOnce), Duration.ofSeconds(1))).isEmpty();

        BrowserClient.Stream laptop = owner.browser().openStreamOn(hub.browserPort());
        assertThat(laptop.awaitType("hello", Duration.ofSeconds(5))).isPresent();
        String inItsTurn = frontDoorAgent.pressButton().orElseThrow();
        for (BrowserClient.Stream session : new BrowserClient.Stream[] {phone, laptop}) {
            assertThat(session.await(ringOf(inItsTurn), Duration.ofSeconds(5))).isPresent();
            assertThat(session.await(ringOf(inItsTurn), Duration.ofSeconds(1))).isEmpty();
        }
        phone.close();
        laptop.close();
    }

    private static java.util.function.Predicate<JsonNode> ringOf(String eventId) {
        return m -> m.path("type").asString("").equals("ring")
                && m.path("eventId").asString("").equals(eventId);
    }

    @Test
    void theMemberStreamTakesTextOnly() throws Exception {
        BrowserClient.Stream stream = owner.browser().openStream();
        assertThat(stream.awaitType("hello", Duration.ofSeconds(5))).isPresent();
        stream.sendText("ping");
        stream.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!stream.closed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(stream.closeCode()).contains(1003);
    }

    @Test
    void ringIsNotPushedToAnotherHousehold() {
        Household neighbour = Household.signUp(hub, "neighbour-" + System.nanoTime());
        BrowserClient.Stream neighbourStream = neighbour.browser().openStream();
        BrowserClient.Stream ownerStream = owner.browser().openStream();
        ownerStream.awaitType("hello", Duration.ofSeconds(5));
        neighbourStream.awaitType("hello", Duration.ofSeconds(5));

        frontDoorAgent.pressButton();

        assertThat(ownerStream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
        assertThat(neighbourStream.awaitType("ring", Duration.ofSeconds(1))).isEmpty();
        assertThat(neighbour.browser().get("/api/devices").json()).isEmpty();
    }

    /** EKEN, replayed: another account shows its own claim QR to the owned doorbell in pairing mode. */
    @Test
    void ownedDoorbellRefusesAnotherAccountsClaimCode() {
        Household attacker = Household.signUp(hub, "attacker-" + System.nanoTime());
        BrowserClient.Stream ownerStream = owner.browser().openStream();
        ownerStream.awaitType("hello", Duration.ofSeconds(5));

        // The physical part of the attack: hold the button until the doorbell enters pairing mode ...
        frontDoorAgent.holdButton(Duration.ofSeconds(10));
        // ... and show it a claim code made with the doorbell's real setup code.
        Household.ClaimQr qr = attacker.startClaim(frontDoor.setupCode());
        frontDoorAgent.camera().show(qr.image());

        // The owner hears about both: the pairing-mode entry and the refused claim.
        assertThat(ownerStream.await(
                        m -> m.path("message").asString("").contains("pairing mode"), Duration.ofSeconds(10)))
                .isPresent();
        assertThat(ownerStream.await(
                        m -> m.path("message").asString("").contains("tried to claim"), Duration.ofSeconds(10)))
                .isPresent();
        frontDoorAgent.camera().clearShown();

        // The doorbell is still the owner's, online, and the attacker sees nothing of it.
        assertThat(frontDoorAgent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(owner.browser()
                        .get("/api/devices")
                        .json()
                        .get(0)
                        .get("online")
                        .asBoolean())
                .isTrue();
        assertThat(attacker.browser().get("/api/devices").json()).isEmpty();
        JsonNode claim = attacker.browser().get("/api/claims/" + qr.handle()).json();
        assertThat(claim.get("state").stringValue()).isEqualTo("refused");

        // Recorded in the owner's audit log, and the chain is intact.
        JsonNode audit = owner.browser()
                .get("/api/audit?householdId=" + owner.householdId())
                .json();
        assertThat(audit.get("chainIntact").asBoolean()).isTrue();
        assertThat(audit.get("entries").toString()).contains("claim-refused").contains("pairing-mode");
        assertThat(hub.bean(AuditLog.class).firstBrokenEntry(owner.householdId()))
                .isEmpty();
    }

    /** The attacker's hub-side variant: the device's factory certificate presented again for a new claim. */
    @Test
    void aTicketCannotBeUsedTwiceOrByAnotherDevice() {
        MintedDevice other = hub.mintDevice("other-" + System.nanoTime());
        DeviceAgent agent = hub.startDevice(other);
        // Right device, wrong code: refused, and the ticket is spent.
        Household.ClaimQr wrong =
                owner.startClaim("0192837465".equals(other.setupCode()) ? "5647382910" : "0192837465");
        agent.camera().show(wrong.image());
        awaitClaimState(owner, wrong.handle(), "refused");
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.FACTORY_NEW);
        agent.camera().clearShown();
        agent.close();
    }

    static void awaitClaimState(Household household, String handle, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = household.browser().get("/api/claims/" + handle).json();
            if (state.equals(status.get("state").stringValue())) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("claim never reached " + state);
    }
}

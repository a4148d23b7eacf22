package dev.doorward.device.pairing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.device.TestPki;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.pairing.ClaimConversation.Status;
import dev.doorward.device.pairing.ClaimConversation.Step;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.ClaimAccepted;
import dev.doorward.protocol.LinkMessage.ClaimChallenge;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRefusal;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.Welcome;
import dev.doorward.protocol.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The claim conversation with crypto's real hub side playing the hub. */
class ClaimConversationTest {
    private static final URI HUB = URI.create("wss://127.0.0.1:8443/device");
    private static final MutableClock CLOCK = new MutableClock();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path temp;

    static MintedDevice minted;
    static DeviceIdentity identity;
    static CertificateAuthority hubCa;

    @BeforeAll
    static void mint() {
        minted = Factory.mint(temp.resolve("ca"), temp.resolve("device"), CLOCK, RANDOM);
        identity = DeviceIdentity.load(minted.deviceDir());
        hubCa = TestPki.hubCa(CLOCK, RANDOM);
    }

    private static ClaimCode code(CertificateAuthority ca) {
        return new ClaimCode(RandomIds.newId(), ca.fingerprint(), RandomIds.newSecret(), HUB);
    }

    /** Runs the conversation up to the hub's ClaimChallenge, with the hub knowing {@code typedCode}. */
    private static final class Exchange {
        final ClaimCode code;
        final ClaimConversation device;
        final SetupProof.HubSide hub;
        Step last;

        Exchange(ClaimCode code, String typedCode) {
            this.code = code;
            this.device = new ClaimConversation(code, identity, CLOCK, RANDOM);
            this.hub = new SetupProof.HubSide(
                    identity.serial(), typedCode, code.ticket().getBytes(StandardCharsets.UTF_8), RANDOM);
        }

        Step toChallenge() {
            Hello hello = (Hello) roundTrip(device.start());
            assertThat(hello.mode()).isEqualTo(LinkMessage.Mode.CLAIM);
            assertThat(hello.versions()).containsExactly(1);
            Step afterWelcome = device.receive(new Welcome(1, null, 30));
            ClaimRequest request = (ClaimRequest) roundTrip(single(afterWelcome));
            assertThat(request.ticket()).isEqualTo(code.ticket());
            SetupProof.Challenge challenge = hub.respond(request.saltBytes(), request.devicePublicValueBytes());
            last = device.receive(ClaimChallenge.of(challenge.hubPublicValue(), challenge.hubEvidence()));
            return last;
        }

        ClaimAccepted accepted(
                PublicKey key, String deviceId, CertificateAuthority issuer, CertificateAuthority sentCa) {
            return new ClaimAccepted(
                    deviceId,
                    Pem.certificate(TestPki.operational(issuer, key, deviceId)),
                    Pem.certificate(sentCa.certificate()));
        }
    }

    /** Every message goes through the codec, as on the wire. */
    private static LinkMessage roundTrip(LinkMessage message) {
        try {
            return LinkCodec.decode(LinkCodec.encode(message));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static LinkMessage single(Step step) {
        assertThat(step.send()).hasSize(1);
        return step.send().get(0);
    }

    @Test
    void theRightCodeClaimsTheDevice() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        Step challenge = x.toChallenge();
        ClaimConfirm confirm = (ClaimConfirm) roundTrip(single(challenge));
        assertThat(x.hub.verifyDevice(confirm.deviceEvidenceBytes())).isTrue();
        String deviceId = RandomIds.newId();

        Step done = x.device.receive(
                x.accepted(identity.credential().certificate().getPublicKey(), deviceId, hubCa, hubCa));

        assertThat(done.status()).isEqualTo(Status.CLAIMED);
        assertThat(done.send()).isEmpty();
        Ownership ownership = done.ownership().orElseThrow();
        assertThat(ownership.state()).isEqualTo(OwnershipState.OWNED);
        assertThat(ownership.deviceId()).isEqualTo(deviceId);
        assertThat(ownership.hubUrl()).isEqualTo(HUB);
        assertThat(ownership.hubCa()).isEqualTo(hubCa.certificate());
        assertThat(ownership.ownerKeyFingerprint()).isEqualTo(x.code.ownerKeyFingerprint());
        assertThat(ownership.claimedAt()).isEqualTo(CLOCK.instant());
        assertThat(ownership.operationalCertificate().getPublicKey())
                .isEqualTo(identity.credential().certificate().getPublicKey());
    }

    @Test
    void aWrongCodeIsRefusedAndCountsAsAFailure() {
        String wrong = minted.setupCode().equals("3141592653") ? "2718281828" : "3141592653";
        Exchange x = new Exchange(code(hubCa), wrong);

        Step step = x.toChallenge();

        assertThat(step.status()).isEqualTo(Status.WRONG_CODE);
        assertThat(step.ownership()).isEmpty();
        assertThat(roundTrip(single(step))).isEqualTo(new ClaimRefused(ClaimRefusal.WRONG_CODE));
    }

    @Test
    void aHubCaThatIsNotThePinnedOneIsRefused() {
        CertificateAuthority otherCa = TestPki.hubCa(CLOCK, RANDOM);
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.toChallenge();

        Step done = x.device.receive(
                x.accepted(identity.credential().certificate().getPublicKey(), RandomIds.newId(), otherCa, otherCa));

        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.ownership()).isEmpty();
        assertThat(single(done)).isInstanceOf(LinkMessage.LinkError.class);
    }

    @Test
    void anOperationalCertificateForAnotherKeyIsRefused() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.toChallenge();
        PublicKey someoneElse = KeyPairs.newP256(RANDOM).getPublic();

        Step done = x.device.receive(x.accepted(someoneElse, RandomIds.newId(), hubCa, hubCa));

        assertThat(done.status()).isEqualTo(Status.FAILED);
        assertThat(done.ownership()).isEmpty();
    }

    @Test
    void anOperationalCertificateNamingAnotherDeviceIsRefused() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.toChallenge();
        String deviceId = RandomIds.newId();
        ClaimAccepted accepted =
                x.accepted(identity.credential().certificate().getPublicKey(), RandomIds.newId(), hubCa, hubCa);

        Step done = x.device.receive(
                new ClaimAccepted(deviceId, accepted.operationalCertificatePem(), accepted.hubCaCertificatePem()));

        assertThat(done.status()).isEqualTo(Status.FAILED);
    }

    @Test
    void anOperationalCertificateFromAnotherCaIsRefusedEvenWithThePinnedCaAttached() {
        CertificateAuthority otherCa = TestPki.hubCa(CLOCK, RANDOM);
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.toChallenge();

        Step done = x.device.receive(
                x.accepted(identity.credential().certificate().getPublicKey(), RandomIds.newId(), otherCa, hubCa));

        assertThat(done.status()).isEqualTo(Status.FAILED);
    }

    @Test
    void aHubRefusalEndsTheAttemptWithoutCountingAFailure() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.device.start();
        x.device.receive(new Welcome(1, null, 30));

        Step step = x.device.receive(new ClaimRefused(ClaimRefusal.TICKET_INVALID));

        assertThat(step.status()).isEqualTo(Status.REFUSED);
        assertThat(step.send()).isEmpty();
    }

    @Test
    void anUnexpectedMessageAbortsTheAttempt() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.device.start();

        Step step = x.device.receive(new LinkMessage.EventAck(RandomIds.newId()));

        assertThat(step.status()).isEqualTo(Status.FAILED);
        assertThat(x.device.receive(new Welcome(1, null, 30)).status()).isEqualTo(Status.FAILED);
    }

    @Test
    void aClaimAcceptedWithoutTheProofIsRefused() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.device.start();
        x.device.receive(new Welcome(1, null, 30));

        // Skipping the challenge: a hub that does not know the setup code cannot get here.
        Step step = x.device.receive(
                x.accepted(identity.credential().certificate().getPublicKey(), RandomIds.newId(), hubCa, hubCa));

        assertThat(step.status()).isEqualTo(Status.FAILED);
        assertThat(step.ownership()).isEmpty();
    }

    @Test
    void anAttemptTimesOutAfterThirtySeconds() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        x.device.start();
        CLOCK.advance(Duration.ofSeconds(29));
        assertThat(x.device.expired()).isFalse();

        CLOCK.advance(Duration.ofSeconds(1));

        assertThat(x.device.expired()).isTrue();
        assertThat(x.device.receive(new Welcome(1, null, 30)).status()).isEqualTo(Status.FAILED);
    }

    @Test
    void theSetupCodeIsNeverInAnyMessage() {
        Exchange x = new Exchange(code(hubCa), minted.setupCode());
        List<LinkMessage> sent = new java.util.ArrayList<>();
        sent.add(x.device.start());
        Step afterWelcome = x.device.receive(new Welcome(1, null, 30));
        sent.addAll(afterWelcome.send());
        ClaimRequest request = (ClaimRequest) afterWelcome.send().get(0);
        SetupProof.Challenge challenge = x.hub.respond(request.saltBytes(), request.devicePublicValueBytes());
        sent.addAll(x.device
                .receive(ClaimChallenge.of(challenge.hubPublicValue(), challenge.hubEvidence()))
                .send());

        for (LinkMessage m : sent) {
            assertThat(LinkCodec.encode(m)).doesNotContain(minted.setupCode()).doesNotContain(identity.serial());
        }
    }
}

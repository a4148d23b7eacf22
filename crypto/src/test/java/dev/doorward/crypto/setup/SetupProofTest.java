package dev.doorward.crypto.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SetupProofTest {

    private static final String SERIAL = "DW-000123";
    private static final String CODE = "8203945716";
    private static final byte[] TICKET = "claim-ticket-1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BigInteger N = Srp.N;
    private static SetupVerifier verifier;

    @BeforeAll
    static void createVerifier() {
        verifier = SetupVerifier.create(SERIAL, CODE, RANDOM);
    }

    @Test
    void rightCodeConvincesBothSides() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, "82039-45716", TICKET, RANDOM);

        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());
        Optional<byte[]> deviceEvidence = device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence());

        assertThat(device.salt()).isEqualTo(verifier.salt());
        assertThat(device.publicValue()).hasSize(256);
        assertThat(challenge.hubPublicValue()).hasSize(256);
        assertThat(challenge.hubEvidence()).hasSize(32);
        assertThat(deviceEvidence).isPresent();
        assertThat(deviceEvidence.get()).hasSize(32);
        assertThat(hub.verifyDevice(deviceEvidence.get())).isTrue();
    }

    @Test
    void wrongCodeFailsAtTheDevice() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, "8203945717", TICKET, RANDOM);

        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());

        assertThat(device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence()))
                .isEmpty();
    }

    @Test
    void proofForAnotherTicketFails() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub =
                new SetupProof.HubSide(SERIAL, CODE, "claim-ticket-2".getBytes(StandardCharsets.UTF_8), RANDOM);

        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());

        assertThat(device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence()))
                .isEmpty();
    }

    @Test
    void proofForAnotherSerialFails() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide("DW-000124", CODE, TICKET, RANDOM);

        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());

        assertThat(device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence()))
                .isEmpty();
    }

    @Test
    void tamperedEvidenceFails() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());
        byte[] deviceEvidence = device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence())
                .orElseThrow();

        byte[] tampered = deviceEvidence.clone();
        tampered[31] ^= 1;

        assertThat(hub.verifyDevice(tampered)).isFalse();
        assertThat(hub.verifyDevice(new byte[0])).isFalse();
        assertThat(hub.verifyDevice(null)).isFalse();
        assertThat(hub.verifyDevice(deviceEvidence)).isTrue();
    }

    @Test
    void tamperedHubEvidenceFailsAtTheDevice() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());
        byte[] evidence = challenge.hubEvidence();
        evidence[0] ^= 1;

        assertThat(device.verifyHub(challenge.hubPublicValue(), evidence)).isEmpty();
    }

    @Test
    void invalidHubPublicValuesGiveEmptyNeverAnException() {
        byte[][] invalid = {
            null,
            new byte[0],
            new byte[256],
            Srp.pad(BigInteger.ONE),
            Srp.pad(N),
            Srp.pad(N.subtract(BigInteger.ONE)),
            allOnes(256),
            new byte[257],
        };
        for (byte[] a : invalid) {
            SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
            assertThat(device.verifyHub(a, new byte[32])).isEmpty();
        }
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        assertThat(device.verifyHub(Srp.pad(BigInteger.TWO), null)).isEmpty();
    }

    @Test
    void invalidDeviceValuesAreRefusedByTheHub() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        for (byte[] b :
                new byte[][] {null, new byte[0], new byte[256], Srp.pad(N), allOnes(256), Srp.pad(BigInteger.ONE)}) {
            SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
            assertThatThrownBy(() -> hub.respond(device.salt(), b))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(CODE);
        }
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
        assertThatThrownBy(() -> hub.respond(new byte[4], device.publicValue()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachSideIsSingleUse() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
        assertThatThrownBy(() -> hub.verifyDevice(new byte[32])).isInstanceOf(IllegalStateException.class);
        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());
        assertThatThrownBy(() -> hub.respond(device.salt(), device.publicValue()))
                .isInstanceOf(IllegalStateException.class);

        assertThat(device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence()))
                .isPresent();
        assertThatThrownBy(() -> device.verifyHub(challenge.hubPublicValue(), challenge.hubEvidence()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailedAttemptUsesUpTheDeviceSide() {
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        assertThat(device.verifyHub(null, null)).isEmpty();
        assertThatThrownBy(() -> device.verifyHub(null, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void eachAttemptUsesFreshPublicValues() {
        SetupProof.DeviceSide one = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.DeviceSide two = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        assertThat(one.publicValue()).isNotEqualTo(two.publicValue());
    }

    @Test
    void theCodeNeverAppearsInErrorsOrToString() {
        SetupProof.HubSide hub = new SetupProof.HubSide(SERIAL, CODE, TICKET, RANDOM);
        assertThat(hub.toString()).doesNotContain(CODE).contains("[REDACTED]");
        assertThatThrownBy(() -> new SetupProof.HubSide(SERIAL, "82039x45716", TICKET, RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A setup code has 10 digits");
        SetupProof.DeviceSide device = new SetupProof.DeviceSide(verifier, SERIAL, TICKET, RANDOM);
        SetupProof.Challenge challenge = hub.respond(device.salt(), device.publicValue());
        assertThat(challenge.toString()).doesNotContain(CODE);
    }

    private static byte[] allOnes(int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 0xff);
        return bytes;
    }
}

package dev.doorward.device.ownership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.device.TestPki;
import dev.doorward.device.ownership.OwnershipLifecycle.Step;
import dev.doorward.protocol.testing.MutableClock;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every transition of the ownership lifecycle, the refused ones included. */
class OwnershipLifecycleTest {
    private static final Duration COOLING_OFF = Duration.ofHours(72);

    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();
    private final CertificateAuthority hubCa = TestPki.hubCa(clock, random);

    private Ownership owned() {
        String deviceId = RandomIds.newId(random);
        return Ownership.owned(
                deviceId,
                URI.create("wss://hub.home.arpa/device"),
                hubCa.certificate(),
                TestPki.operational(hubCa, KeyPairs.newP256(random).getPublic(), deviceId),
                "-",
                clock.instant());
    }

    private Ownership pending() {
        return ((Step.ResetStarted) OwnershipLifecycle.physicalReset(owned(), clock.instant(), COOLING_OFF)).next();
    }

    // ---- FACTORY_NEW

    @Test
    void aResetOfAFactoryNewDeviceOnlyOpensPairing() {
        Step step = OwnershipLifecycle.physicalReset(Ownership.factoryNew(), clock.instant(), COOLING_OFF);

        assertThat(step).isInstanceOf(Step.OpenPairing.class);
        assertThat(step.next()).isEqualTo(Ownership.factoryNew());
    }

    @Test
    void aVetoOfAFactoryNewDeviceIsIgnored() {
        Step step = OwnershipLifecycle.veto(Ownership.factoryNew(), clock.instant());

        assertThat(step).isInstanceOf(Step.Unchanged.class);
        assertThat(step.next()).isEqualTo(Ownership.factoryNew());
    }

    @Test
    void onlyAFactoryNewDeviceMayBeClaimed() {
        assertThat(OwnershipLifecycle.mayClaim(Ownership.factoryNew())).isTrue();
        assertThat(OwnershipLifecycle.mayClaim(owned())).isFalse();
        assertThat(OwnershipLifecycle.mayClaim(pending())).isFalse();
    }

    @Test
    void theClockChangesNothingForAFactoryNewOrOwnedDevice() {
        Ownership owned = owned();
        clock.advance(Duration.ofDays(1000));

        assertThat(OwnershipLifecycle.clock(Ownership.factoryNew(), clock.instant()))
                .isInstanceOf(Step.Unchanged.class);
        assertThat(OwnershipLifecycle.clock(owned, clock.instant()).next()).isEqualTo(owned);
    }

    // ---- OWNED

    @Test
    void aResetOfAnOwnedDeviceStartsTheCoolingOffPeriod() {
        Ownership owned = owned();

        Step step = OwnershipLifecycle.physicalReset(owned, clock.instant(), COOLING_OFF);

        assertThat(step).isInstanceOf(Step.ResetStarted.class);
        Ownership next = step.next();
        assertThat(next.state()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(next.resetDeadline()).contains(clock.instant().plus(COOLING_OFF));
        // Still the same owner in every respect.
        assertThat(next.isOwned()).isTrue();
        assertThat(next.deviceId()).isEqualTo(owned.deviceId());
        assertThat(next.operationalCertificate()).isEqualTo(owned.operationalCertificate());
        assertThat(next.hubCa()).isEqualTo(owned.hubCa());
        assertThat(next.ownerKeyFingerprint()).isEqualTo(owned.ownerKeyFingerprint());
    }

    @Test
    void aVetoOfAnOwnedDeviceWithoutPendingResetIsIgnored() {
        Ownership owned = owned();

        Step step = OwnershipLifecycle.veto(owned, clock.instant());

        assertThat(step).isInstanceOf(Step.Unchanged.class);
        assertThat(step.next()).isEqualTo(owned);
        assertThat(step.next().flagged()).isFalse();
    }

    // ---- RESET_PENDING

    @Test
    void aVetoBeforeTheDeadlineKeepsTheDeviceOwnedAndFlagsIt() {
        Ownership pending = pending();
        clock.advance(COOLING_OFF.minusSeconds(1));

        Step step = OwnershipLifecycle.veto(pending, clock.instant());

        assertThat(step).isInstanceOf(Step.ResetCancelled.class);
        assertThat(step.next().state()).isEqualTo(OwnershipState.OWNED);
        assertThat(step.next().resetDeadline()).isEmpty();
        assertThat(step.next().flagged()).isTrue();
        assertThat(step.next().vetoedAt()).isEqualTo(clock.instant());
        assertThat(step.next().deviceId()).isEqualTo(pending.deviceId());
    }

    @Test
    void aVetoAtOrAfterTheDeadlineIsTooLate() {
        Ownership pending = pending();
        clock.advance(COOLING_OFF);

        Step step = OwnershipLifecycle.veto(pending, clock.instant());

        assertThat(step).isInstanceOf(Step.Unchanged.class);
        assertThat(step.next()).isEqualTo(pending);
    }

    @Test
    void theDeadlineMakesThePendingResetDue() {
        Ownership pending = pending();

        clock.advance(COOLING_OFF.minusMillis(1));
        assertThat(OwnershipLifecycle.clock(pending, clock.instant())).isInstanceOf(Step.Unchanged.class);

        clock.advance(Duration.ofMillis(1));
        Step due = OwnershipLifecycle.clock(pending, clock.instant());
        assertThat(due).isInstanceOf(Step.ResetDue.class);
        assertThat(due.next()).isEqualTo(Ownership.factoryNew());

        // Long after the deadline (the device was off) it is due all the same.
        clock.advance(Duration.ofDays(30));
        assertThat(OwnershipLifecycle.clock(pending, clock.instant())).isInstanceOf(Step.ResetDue.class);
    }

    @Test
    void aSecondResetNeitherExtendsNorShortensTheDeadline() {
        Ownership pending = pending();
        Instant deadline = pending.resetAt();
        clock.advance(Duration.ofHours(10));

        Step step = OwnershipLifecycle.physicalReset(pending, clock.instant(), COOLING_OFF);
        assertThat(step).isInstanceOf(Step.ResetAlreadyPending.class);
        assertThat(step.next().resetDeadline()).contains(deadline);

        // Not even with a shorter cooling-off in a later configuration.
        Step shorter = OwnershipLifecycle.physicalReset(pending, clock.instant(), Duration.ofSeconds(1));
        assertThat(shorter.next().resetDeadline()).contains(deadline);
    }

    @Test
    void aPendingResetStillRefusesClaims() {
        assertThat(OwnershipLifecycle.mayClaim(pending())).isFalse();
        assertThat(pending().isOwned()).isTrue();
    }

    @Test
    void aVetoedDeviceCanBeResetAgainWithANewDeadline() {
        Ownership vetoed = OwnershipLifecycle.veto(pending(), clock.instant()).next();
        clock.advance(Duration.ofHours(1));

        Step step = OwnershipLifecycle.physicalReset(vetoed, clock.instant(), COOLING_OFF);

        assertThat(step).isInstanceOf(Step.ResetStarted.class);
        assertThat(step.next().resetDeadline()).contains(clock.instant().plus(COOLING_OFF));
        assertThat(step.next().flagged()).isTrue();
    }

    // ---- the record itself

    @Test
    void aDeadlineExistsExactlyWhileAResetIsPending() {
        Ownership owned = owned();
        assertThatThrownBy(() -> new Ownership(
                        OwnershipState.RESET_PENDING,
                        owned.deviceId(),
                        owned.hubUrl(),
                        owned.hubCa(),
                        owned.operationalCertificate(),
                        owned.ownerKeyFingerprint(),
                        owned.claimedAt(),
                        null,
                        null,
                        null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Ownership(
                        OwnershipState.OWNED,
                        owned.deviceId(),
                        owned.hubUrl(),
                        owned.hubCa(),
                        owned.operationalCertificate(),
                        owned.ownerKeyFingerprint(),
                        owned.claimedAt(),
                        clock.instant(),
                        null,
                        null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ownership.factoryNew().withResetPending(clock.instant()))
                .isInstanceOf(IllegalStateException.class);
    }
}

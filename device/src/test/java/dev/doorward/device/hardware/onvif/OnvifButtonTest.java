package dev.doorward.device.hardware.onvif;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.hardware.onvif.OnvifDoorbellStandIn.Sabotage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge's ONVIF button against a doorbell stand-in that speaks ONVIF's SOAP and checks the digest. */
class OnvifButtonTest {
    private static final String USER = "admin";
    private static final String PASSWORD = "pw-Secr3t&<x>";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    private final AtomicInteger rings = new AtomicInteger();
    private OnvifDoorbellStandIn doorbell;
    private OnvifButton button;

    @AfterEach
    void tearDown() {
        if (button != null) {
            button.close();
        }
        if (doorbell != null) {
            doorbell.close();
        }
    }

    private Path credentials(String password) throws Exception {
        Path file = temp.resolve("onvif.credentials");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "user=" + USER + "\npassword=" + password + "\n");
        return file;
    }

    private OnvifButton start(java.net.URI url, Path credentials) {
        OnvifSettings settings = new OnvifSettings(url, Optional.of(credentials), ButtonTopic.known())
                .withTiming(Duration.ofMillis(300), 8, Duration.ofSeconds(4));
        button = new OnvifButton(
                        settings,
                        Clock.systemUTC(),
                        new SecureRandom(),
                        rings::incrementAndGet,
                        Duration.ofMillis(50),
                        Duration.ofMillis(400))
                .start();
        return button;
    }

    private void subscribed(long times) {
        eventually(WAIT, () -> button.status().subscribed() && button.status().subscriptions() >= times);
    }

    /** Pushes a notification and waits until the box pulled it. */
    private void send(Runnable notification) {
        notification.run();
        eventually(WAIT, () -> doorbell.pendingNotifications() == 0);
    }

    @Test
    void aPressRingsOnceAndAHeldStateRingsOnce() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);

        send(() -> doorbell.visitorInitialized(false));
        send(() -> doorbell.motion(true)); // not the button
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);

        // Held (reported again, in the same pull and in later ones): still one ring.
        send(() -> {
            doorbell.visitor(true);
            doorbell.visitor(true);
        });
        send(() -> doorbell.visitor(true));
        Thread.sleep(400); // a full pull more
        assertThat(rings.get()).isEqualTo(1);

        // Released and pressed again: the second ring.
        send(() -> doorbell.visitor(false));
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 2);
        send(() -> {
            doorbell.visitor(false);
            doorbell.visitor(true);
            doorbell.visitor(false);
        });
        eventually(WAIT, () -> rings.get() == 3);

        // Lived past its first 4 s by renewals (halfway each time), on the same subscription; the digest was right
        // every time.
        eventually(WAIT, () -> doorbell.renewed.get() >= 2);
        assertThat(doorbell.created.get()).isEqualTo(1);
        assertThat(button.status().subscriptions()).isEqualTo(1);
        assertThat(doorbell.refused.get()).isZero();
        assertThat(doorbell.authenticated.get()).isGreaterThan(5);
        // The doorbell reported its events service at an address the box cannot reach: the configured host is used.
        assertThat(doorbell.operations)
                .startsWith("GetSystemDateAndTime", "GetCapabilities", "CreatePullPointSubscription");

        button.close();
        assertThat(doorbell.unsubscribed.get()).isEqualTo(1);
        assertThat(doorbell.activeSubscriptions()).isZero();
    }

    @Test
    void aStateAlreadyPressedOnAResubscriptionDoesNotRingAgain() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);

        doorbell.restart();
        subscribed(2);
        // A doorbell sends the current state to a new subscription: still held, so no second ring.
        send(() -> doorbell.visitorInitialized(true));
        Thread.sleep(400);
        assertThat(rings.get()).isEqualTo(1);
        send(() -> doorbell.visitor(false));
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 2);
    }

    @Test
    void aWrongPasswordIsNamedWithoutThePasswordAndRetriedWithBackOff() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, "the-right-one", Duration.ZERO);
        start(doorbell.deviceService(), credentials(PASSWORD));

        eventually(WAIT, () -> button.status().failures() >= 4);
        String error = button.status().lastError().orElseThrow();
        assertThat(error)
                .contains("401")
                .contains("NotAuthorized")
                .contains("onvif.credentials")
                .doesNotContain(PASSWORD)
                .doesNotContain("the-right-one");
        assertThat(button.status().subscribed()).isFalse();
        assertThat(doorbell.refused.get()).isGreaterThanOrEqualTo(4);
        assertThat(doorbell.created.get()).isZero();

        // The owner fixes the file: read again on the next try, no restart.
        credentials("the-right-one");
        subscribed(1);
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
    }

    @Test
    void backOffGrowsBetweenFailedAttempts() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, "the-right-one", Duration.ZERO);
        OnvifSettings settings = new OnvifSettings(
                        doorbell.deviceService(), Optional.of(credentials(PASSWORD)), ButtonTopic.known())
                .withTiming(Duration.ofMillis(300), 8, Duration.ofSeconds(4));
        // Base 100 ms, cap 800 ms: at most 100+200+400+800+800 ms for five retries, so in 1 s no more than ...
        button = new OnvifButton(
                        settings,
                        Clock.systemUTC(),
                        new SecureRandom(),
                        rings::incrementAndGet,
                        Duration.ofMillis(100),
                        Duration.ofMillis(800))
                .start();
        eventually(WAIT, () -> button.status().failures() >= 6);
        // ... and without a back-off there would be hundreds of attempts in the time this took.
        Thread.sleep(2000);
        long attempts = button.status().failures();
        assertThat(attempts).isLessThan(6 + 2 * 2000 / 100);
    }

    @Test
    void malformedXmlAnXxeAttemptAndAnOversizedAnswerAreErrorsAndTheLoopGoesOn() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);

        doorbell.sabotageNextPull(Sabotage.MALFORMED);
        eventually(WAIT, () -> button.status().failures() == 1);
        assertThat(button.status().lastError().orElseThrow())
                .contains("PullMessages")
                .contains("not well-formed XML");
        subscribed(2);

        doorbell.sabotageNextPull(Sabotage.XXE);
        eventually(WAIT, () -> button.status().failures() == 2);
        assertThat(button.status().lastError().orElseThrow())
                .contains("PullMessages")
                .contains("DOCTYPE");
        subscribed(3);
        assertThat(doorbell.dtdFetched.get()).isZero();

        doorbell.sabotageNextPull(Sabotage.OVERSIZED);
        eventually(WAIT, () -> button.status().failures() == 3);
        assertThat(button.status().lastError().orElseThrow())
                .contains("PullMessages")
                .contains("too large");
        subscribed(4);

        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
        assertThat(rings.get()).isEqualTo(1);
        // Each broken session's subscription was given back.
        eventually(WAIT, () -> doorbell.activeSubscriptions() == 1);
    }

    @Test
    void aRestartedDoorbellGetsANewSubscription() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);

        doorbell.restart();
        subscribed(2);
        assertThat(button.status().lastError().orElseThrow()).isNotEmpty();
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
        assertThat(doorbell.activeSubscriptions()).isEqualTo(1);
    }

    @Test
    void anEventsServiceAddressWorksAndTheDoorbellsClockIsUsed() throws Exception {
        // The doorbell's clock is two hours ahead: the token's time must be the doorbell's, not the box's.
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ofHours(2));
        // Configured with the device service, which also answers the time.
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
        button.close();

        // The events service itself (no device service there: GetCapabilities and GetServices are faults).
        OnvifDoorbellStandIn events = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        try {
            rings.set(0);
            start(events.eventsService(), credentials(PASSWORD));
            eventually(WAIT, () -> button.status().subscribed());
            events.visitor(true);
            eventually(WAIT, () -> rings.get() == 1);
            assertThat(events.operations).contains("GetCapabilities", "GetServices", "CreatePullPointSubscription");
        } finally {
            button.close();
            events.close();
        }
    }

    @Test
    void aDoorbellThatWantsHttpDigestGetsIt() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        doorbell.httpDigestOnly(true);
        start(doorbell.deviceService(), credentials("wrong-one"));
        eventually(WAIT, () -> button.status().failures() >= 2);
        assertThat(button.status().lastError().orElseThrow()).contains("401").doesNotContain("wrong-one");
        assertThat(doorbell.digestAccepted.get()).isZero();

        credentials(PASSWORD);
        subscribed(1);
        int refusedBefore = doorbell.refused.get();
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
        // One challenge serves the following requests (counted nc): no 401 round trip per request.
        eventually(WAIT, () -> doorbell.renewed.get() >= 1);
        assertThat(doorbell.digestAccepted.get()).isGreaterThan(4);
        assertThat(doorbell.refused.get()).isEqualTo(refusedBefore);
    }

    @Test
    void aDoorbellThatAnswersEmptyPullsAtOnceIsNotHammered() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        doorbell.ignorePullTimeout(true);
        start(doorbell.deviceService(), credentials(PASSWORD));
        subscribed(1);
        long before = pulls();
        Thread.sleep(1000);
        // Pull timeout 300 ms: empty answers that come back at once are spaced 30 ms apart, so at most ~33 pulls a
        // second (without the pause: hundreds).
        assertThat(pulls() - before).isBetween(3L, 40L);
        send(() -> doorbell.visitor(true));
        eventually(WAIT, () -> rings.get() == 1);
    }

    private long pulls() {
        synchronized (doorbell.operations) {
            return doorbell.operations.stream().filter("PullMessages"::equals).count();
        }
    }

    @Test
    void aCredentialsFileOthersCanReadIsRefusedAndRetried() throws Exception {
        doorbell = new OnvifDoorbellStandIn(USER, PASSWORD, Duration.ZERO);
        Path file = credentials(PASSWORD);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        start(doorbell.deviceService(), file);
        eventually(WAIT, () -> button.status().failures() >= 1);
        assertThat(button.status().lastError().orElseThrow())
                .contains("ONVIF credentials file")
                .contains("chmod 600")
                .doesNotContain(PASSWORD);
        assertThat(doorbell.authenticated.get()).isZero();

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        subscribed(1);
    }
}

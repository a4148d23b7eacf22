package dev.doorward.hub.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.PushServiceStandIn;
import dev.doorward.hub.testing.PushServiceStandIn.Received;
import dev.doorward.hub.testing.PushServiceStandIn.Subscription;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Web Push end to end through a real hub and a push service on loopback speaking RFC 8030 over TLS: what
 * reaches whom, what is refused, and what the push service gets to see. One hub and household for the class:
 * an owner with a doorbell named "Front door", a resident, and a guest whose hours are closed now, all approved
 * in the signed roster.
 */
@ExtendWith(OutputCaptureExtension.class)
class WebPushTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration SOON = Duration.ofSeconds(15);
    /** How long "nothing arrives" is watched: well past a delivery on this machine (tens of ms). */
    private static final Duration QUIET = Duration.ofSeconds(3);

    @TempDir
    static Path dir;

    static PushServiceStandIn pushService;
    static TestHub hub;
    static Household owner;
    static Household resident;
    static Household guest;
    static DeviceAgent front;
    static String frontId;
    static String frontSerial;
    static Map<String, String> roles = new HashMap<>();
    static List<Roster.Access> access = new ArrayList<>();

    @BeforeAll
    static void start() {
        pushService = PushServiceStandIn.start(dir.resolve("push-service"));
        Map<String, String> properties = new HashMap<>(pushService.hubProperties());
        properties.put("doorward.open-signup", "true");
        hub = TestHub.start(dir, properties);
        owner = Household.firstOwner(hub);
        front = owner.claim(hub, hub.mintDevice("front"));
        frontId = front.deviceId().orElseThrow();
        frontSerial = front.serial();
        resident = join("resident", "resident");
        guest = join("guest", "guest");
        int hour = Instant.now().atOffset(ZoneOffset.UTC).getHour();
        int closedStart = ((hour + 22) % 24) * 60;
        access.add(new Roster.Access(
                guest.browser().clientId(),
                List.of(),
                new Roster.Schedule(0b1111111, closedStart, closedStart + 60, 0)));
        roles.put(owner.browser().clientId(), "owner");
        roles.put(resident.browser().clientId(), "resident");
        roles.put(guest.browser().clientId(), "guest");
        signRoster();
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
        if (pushService != null) {
            pushService.close();
        }
    }

    @Test
    void aRingReachesApprovedBrowsersEncryptedForThemWithNothingThePushServiceCouldRead() {
        Subscription ownerSub = subscribe(owner.browser());
        Subscription residentSub = subscribe(resident.browser());
        Subscription guestSub = subscribe(guest.browser());

        String eventId = front.pressButton().orElseThrow();
        Received push = pushService
                .await(r -> r.channelId().equals(ownerSub.channelId()), SOON)
                .orElseThrow(() -> new AssertionError("the owner's browser got no push"));
        assertThat(push.answer()).isEqualTo(201);

        // The service worker's view: RFC 8291 opens it with the browser's own keys.
        String plaintext = ownerSub.open(push);
        assertThat(plaintext.getBytes(StandardCharsets.UTF_8).length).isLessThan(300);
        JsonNode message = JSON.readTree(plaintext);
        assertThat(message.get("v").asInt()).isEqualTo(1);
        assertThat(message.get("kind").stringValue()).isEqualTo("ring");
        assertThat(message.get("householdId").stringValue()).isEqualTo(owner.householdId());
        assertThat(message.get("deviceId").stringValue()).isEqualTo(frontId);
        assertThat(message.get("eventId").stringValue()).isEqualTo(eventId);
        assertThat(message.get("at").asLong())
                .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        assertThat(message.propertyNames())
                .containsExactlyInAnyOrder("v", "kind", "householdId", "deviceId", "eventId", "at");

        // RFC 8030 headers of a ring, and a VAPID token for this push service's origin.
        assertThat(push.header("ttl")).isEqualTo("60");
        assertThat(push.header("urgency")).isEqualTo("high");
        assertThat(push.header("topic")).matches("[A-Za-z0-9_-]{32}").doesNotContain(frontId);
        assertThat(push.header("content-encoding")).isEqualTo("aes128gcm");
        assertThat(push.header("authorization")).startsWith("vapid t=").contains(", k=");
        assertThat(push.header("authorization"))
                .endsWith("k="
                        + owner.browser()
                                .get("/api/push/key")
                                .json()
                                .get("publicKey")
                                .stringValue());

        // The resident gets it too; the guest, outside their hours, gets nothing.
        Received residentPush = pushService
                .await(r -> r.channelId().equals(residentSub.channelId()), SOON)
                .orElseThrow(() -> new AssertionError("the resident's browser got no push"));
        assertThat(residentSub.open(residentPush)).contains(eventId);
        // A second ring of the same doorbell carries the same Topic (the push service collapses them).
        front.pressButton().orElseThrow();
        List<Received> two = pushService.awaitOn(ownerSub.channelId(), 2, SOON);
        assertThat(two).hasSize(2);
        assertThat(two.get(1).header("topic")).isEqualTo(push.header("topic"));
        sleep(QUIET);
        assertThat(pushService.receivedOn(guestSub.channelId())).isEmpty();

        // Nothing the push service received names the doorbell, its serial, a member or carries a picture.
        for (Received r : pushService.received()) {
            String seen = r.everythingSeen();
            assertThat(seen)
                    .doesNotContain("Front door", frontSerial, "owner", "resident", "guest", frontId, eventId)
                    .doesNotContain(owner.householdId());
            assertThat(r.body().length).isLessThan(400); // a 300-byte message, never an image
            assertThat(indexOf(r.body(), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}))
                    .isEqualTo(-1);
        }
    }

    @Test
    void pushesToOneServiceGoOverKeptConnections() {
        Subscription sub = subscribe(owner.browser());
        int presses = 5;
        for (int i = 0; i < presses; i++) {
            front.pressButton().orElseThrow();
        }
        long deadline = System.nanoTime() + SOON.toNanos();
        while (pushService.receivedOn(sub.channelId()).size() < presses && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        List<Received> pushes = pushService.receivedOn(sub.channelId());
        assertThat(pushes).hasSizeGreaterThanOrEqualTo(presses);
        // A new TLS connection per push held a sender to 10-20 pushes a second; kept ones carry the next.
        assertThat(pushes.stream().map(Received::connection).distinct().count()).isLessThan(pushes.size());
    }

    @Test
    void subscribingIsForOnesOwnApprovedBrowsersOnly() {
        BrowserClient ownerBrowser = owner.browser();
        Subscription sub = pushService.subscribe();

        // An outsider: not signed in.
        BrowserClient anonymous = hub.browser();
        assertThat(anonymous
                        .putJson(path(owner.browser().clientId()), sub.json())
                        .status())
                .isEqualTo(401);
        assertThat(anonymous.get("/api/push/key").status()).isEqualTo(401);

        // A member of another household, for this household's browser; and for their own, unapproved one.
        relaxSignUpThrottle();
        Household neighbour = Household.signUp(hub, "neighbour");
        neighbour.browser().registerClient();
        assertStatus(neighbour.browser().putJson(path(ownerBrowser.clientId()), sub.json()), 403);
        assertStatus(neighbour.browser().delete(path(ownerBrowser.clientId())), 403);
        assertStatus(neighbour.browser().putJson(path(neighbour.browser().clientId()), sub.json()), 403);
        // The owner, for the neighbour's browser.
        assertStatus(ownerBrowser.putJson(path(neighbour.browser().clientId()), sub.json()), 403);
        // A member's browser that no admin approved yet.
        Household newcomer = join("newcomer", "resident");
        assertStatus(newcomer.browser().putJson(path(newcomer.browser().clientId()), sub.json()), 403);
        assertThat(newcomer.browser()
                        .putJson(path("AAAAAAAAAAAAAAAAAAAAAA"), sub.json())
                        .status())
                .isEqualTo(403);

        // SSRF: the hub must never be made to post to itself, the LAN or a metadata service.
        for (String endpoint : List.of(
                "https://127.0.0.1/wpush/x",
                "https://127.0.0.1:" + pushService.port() + "/wpush/" + sub.channelId(),
                "https://[::1]/wpush/x",
                "https://[::ffff:127.0.0.1]/x",
                "https://10.0.0.1/wpush/x",
                "https://192.168.1.1/x",
                "https://172.16.0.1/x",
                "https://100.64.0.1/x",
                "https://169.254.169.254/latest/meta-data/",
                "https://[fd00:ec2::254]/latest/meta-data/",
                "https://[fe80::1]/x",
                "https://0.0.0.0/x",
                "https://224.0.0.1/x",
                "http://localhost:" + pushService.port() + "/wpush/" + sub.channelId(),
                "http://push.example.com/x",
                "ftp://push.example.com/x",
                "https://user:pw@localhost:" + pushService.port() + "/wpush/x",
                "https://no-such-host.invalid/x",
                "https:///x",
                "https://" + "a".repeat(1100) + ".example/x")) {
            Map<String, Object> body = new HashMap<>(sub.json());
            body.put("endpoint", endpoint);
            BrowserClient.Response response = ownerBrowser.putJson(path(ownerBrowser.clientId()), body);
            assertThat(response.status()).as(endpoint + " " + response.body()).isEqualTo(400);
            assertThat(response.json().get("detail").stringValue()).as(endpoint).isNotBlank();
        }

        // Bad keys, unknown fields, and bodies that are too large or not JSON.
        Map<String, Object> badKey = new HashMap<>(sub.json());
        badKey.put("keys", Map.of("p256dh", "BAAA", "auth", sub.authSecret()));
        assertStatus(ownerBrowser.putJson(path(ownerBrowser.clientId()), badKey), 400);
        Map<String, Object> badAuth = new HashMap<>(sub.json());
        badAuth.put("keys", Map.of("p256dh", sub.p256dh(), "auth", "c2hvcnQ"));
        assertStatus(ownerBrowser.putJson(path(ownerBrowser.clientId()), badAuth), 400);
        Map<String, Object> extra = new HashMap<>(sub.json());
        extra.put("deviceName", "Front door");
        assertStatus(ownerBrowser.putJson(path(ownerBrowser.clientId()), extra), 400);
        Map<String, Object> oversized = new HashMap<>(sub.json());
        oversized.put("endpoint", sub.endpoint() + "?pad=" + "x".repeat(3000));
        assertStatus(ownerBrowser.putJson(path(ownerBrowser.clientId()), oversized), 400);
        assertStatus(ownerBrowser.putRaw(path(ownerBrowser.clientId()), "{\"endpoint\":"), 400);
        assertStatus(ownerBrowser.putRaw(path(ownerBrowser.clientId()), "[]"), 400);
        assertStatus(ownerBrowser.putRaw("/api/push/preferences", "{\"motion\":\"yes\"}"), 400);

        // The real thing is accepted.
        assertStatus(ownerBrowser.putJson(path(ownerBrowser.clientId()), sub.json()), 204);
        assertThat(hub.bean(PushSubscriptions.class).exists(ownerBrowser.clientId()))
                .isTrue();
        byte[] key = Base64.getUrlDecoder()
                .decode(ownerBrowser
                        .get("/api/push/key")
                        .json()
                        .get("publicKey")
                        .stringValue());
        assertThat(key).hasSize(65);
        assertThat(key[0]).isEqualTo((byte) 4);
    }

    @Test
    void aRevokedBrowserAndARemovedMemberReceiveNothing() {
        Household revoked = join("revoked", "resident");
        Household removed = join("removed", "resident");
        roles.put(revoked.browser().clientId(), "resident");
        roles.put(removed.browser().clientId(), "resident");
        signRoster();
        Subscription revokedSub = subscribe(revoked.browser());
        Subscription removedSub = subscribe(removed.browser());
        PushSubscriptions stored = hub.bean(PushSubscriptions.class);
        assertThat(stored.exists(revoked.browser().clientId())).isTrue();

        assertStatus(
                owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/browsers/"
                                + revoked.browser().clientId()),
                204);
        String removedAccount = accountIdOf(removed);
        assertStatus(
                owner.browser().delete("/api/households/" + owner.householdId() + "/members/" + removedAccount), 204);
        assertThat(stored.exists(revoked.browser().clientId())).isFalse();
        assertThat(stored.exists(removed.browser().clientId())).isFalse();
        // Removal signed the member out everywhere; signed in again, they still cannot subscribe that browser.
        assertStatus(removed.browser().putJson(path(removed.browser().clientId()), removedSub.json()), 401);
        assertStatus(removed.browser().login("removed", Household.PASSWORD), 204);
        assertStatus(removed.browser().putJson(path(removed.browser().clientId()), removedSub.json()), 403);

        Subscription ownerSub = subscribe(owner.browser());
        front.pressButton().orElseThrow();
        assertThat(pushService.await(r -> r.channelId().equals(ownerSub.channelId()), SOON))
                .isPresent();
        sleep(QUIET);
        assertThat(pushService.receivedOn(revokedSub.channelId())).isEmpty();
        assertThat(pushService.receivedOn(removedSub.channelId())).isEmpty();
        roles.remove(revoked.browser().clientId());
        roles.remove(removed.browser().clientId());
    }

    @Test
    void goneSubscriptionsAreDeletedBusyServicesAreRetriedAndRedirectsAreNotFollowed() {
        PushSubscriptions stored = hub.bean(PushSubscriptions.class);

        // 410 Gone: the subscription is deleted.
        Household leaving = join("leaving", "resident");
        roles.put(leaving.browser().clientId(), "resident");
        signRoster();
        Subscription gone = subscribe(leaving.browser());
        pushService.answerNext(gone.channelId(), 410, Map.of());
        front.pressButton().orElseThrow();
        assertThat(pushService.awaitOn(gone.channelId(), 1, SOON)).hasSize(1);
        awaitTrue(() -> !stored.exists(leaving.browser().clientId()));

        // 429 with Retry-After: tried again, after the time asked for.
        Subscription busy = subscribe(owner.browser());
        pushService.answerNext(busy.channelId(), 429, Map.of("Retry-After", "1"));
        front.pressButton().orElseThrow();
        List<Received> attempts = pushService.awaitOn(busy.channelId(), 2, SOON);
        assertThat(attempts).extracting(Received::answer).containsExactly(429, 201);
        assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(busy.open(attempts.get(1))).contains("\"kind\":\"ring\"");
        assertThat(stored.exists(owner.browser().clientId())).isTrue();

        // A 503 without Retry-After is retried with backoff too.
        pushService.answerNext(busy.channelId(), 503, Map.of());
        front.pressButton().orElseThrow();
        assertThat(pushService.awaitOn(busy.channelId(), 4, SOON))
                .extracting(Received::answer)
                .containsExactly(429, 201, 503, 201);

        // A redirect to loopback (by address, which the guard refuses) is not followed.
        Subscription target = pushService.subscribe();
        pushService.answerNext(
                busy.channelId(),
                307,
                Map.of("Location", "https://127.0.0.1:" + pushService.port() + "/wpush/" + target.channelId()));
        front.pressButton().orElseThrow();
        assertThat(pushService.awaitOn(busy.channelId(), 5, SOON)).hasSize(5);
        sleep(QUIET);
        assertThat(pushService.receivedOn(busy.channelId())).hasSize(5);
        assertThat(pushService.receivedOn(target.channelId())).isEmpty();
        assertThat(stored.exists(owner.browser().clientId())).isTrue();
        roles.remove(leaving.browser().clientId());
    }

    @Test
    void motionGoesOnlyToMembersWhoAskedAndAWaitingBrowserOnlyToAdmins() {
        Subscription ownerSub = subscribe(owner.browser());
        Subscription residentSub = subscribe(resident.browser());
        assertThat(resident.browser()
                        .get("/api/push/preferences")
                        .json()
                        .get("motion")
                        .asBoolean())
                .isFalse();
        assertStatus(resident.browser().putJson("/api/push/preferences", Map.of("motion", true)), 204);
        assertThat(resident.browser()
                        .get("/api/push/preferences")
                        .json()
                        .get("motion")
                        .asBoolean())
                .isTrue();

        hub.bean(Notifier.class)
                .toHousehold(
                        owner.householdId(),
                        new Notice.Motion(frontId, "Front door", "motionevent1", java.time.Instant.ofEpochMilli(1)));
        Received motion = pushService
                .await(r -> r.channelId().equals(residentSub.channelId()), SOON)
                .orElseThrow();
        assertThat(residentSub.open(motion)).contains("\"kind\":\"motion\"");
        assertThat(motion.header("urgency")).isEqualTo("normal");
        assertThat(motion.header("ttl")).isEqualTo("300");
        assertThat(motion.header("topic")).isNull();

        // A new browser registered by the resident: the owner (admin) hears of it, the resident does not.
        BrowserClient second = hub.browser();
        assertThat(second.login("resident", Household.PASSWORD).status()).isEqualTo(204);
        second.registerClient();
        Received waiting = pushService
                .await(r -> r.channelId().equals(ownerSub.channelId()), SOON)
                .orElseThrow(() -> new AssertionError("the owner got no browser-waiting push"));
        JsonNode message = JSON.readTree(ownerSub.open(waiting));
        assertThat(message.get("kind").stringValue()).isEqualTo("browser-waiting");
        assertThat(message.has("deviceId")).isFalse();
        assertThat(waiting.header("ttl")).isEqualTo("86400");
        sleep(QUIET);
        assertThat(pushService.receivedOn(residentSub.channelId())).hasSize(1);
        assertThat(pushService.receivedOn(ownerSub.channelId())).hasSize(1);
        assertStatus(resident.browser().putJson("/api/push/preferences", Map.of("motion", false)), 204);
    }

    @Test
    void aMemberMutesOneDoorbellsRingsAndMotionButNeverItsSecurityAlerts() {
        Subscription ownerSub = subscribe(owner.browser());
        String path = "/api/push/doorbells/" + frontId;
        assertThat(owner.browser().get(path).json().get("push").asBoolean()).isTrue();
        assertStatus(owner.browser().putJson(path, Map.of("push", "no")), 400);
        assertStatus(owner.browser().putJson(path, Map.of("push", false, "motion", true)), 400);
        assertStatus(owner.browser().putJson(path, Map.of("push", false)), 204);
        assertThat(owner.browser().get(path).json().get("push").asBoolean()).isFalse();
        assertThat(owner.browser()
                        .get("/api/push/doorbells/unknownDoorbell_000000")
                        .status())
                .isEqualTo(404);

        Notifier notifier = hub.bean(Notifier.class);
        notifier.toHousehold(
                owner.householdId(),
                new Notice.Ring(frontId, "Front door", "mutedring000001", Instant.ofEpochMilli(2)));
        notifier.toHousehold(
                owner.householdId(),
                new Notice.SecurityAlert(
                        Notice.Alert.TAMPER, frontId, "tamperevent0001", "Tamper", Instant.ofEpochMilli(3), null));
        Received alert = pushService
                .await(r -> r.channelId().equals(ownerSub.channelId()), SOON)
                .orElseThrow(() -> new AssertionError("a muted doorbell's alert must still push"));
        assertThat(ownerSub.open(alert)).contains("\"kind\":\"alert\"");
        sleep(QUIET);
        assertThat(pushService.receivedOn(ownerSub.channelId()))
                .as("the muted ring")
                .hasSize(1);

        assertStatus(owner.browser().putJson(path, Map.of("push", true)), 204);
        notifier.toHousehold(
                owner.householdId(),
                new Notice.Ring(frontId, "Front door", "unmutedring0001", Instant.ofEpochMilli(4)));
        assertThat(pushService.awaitOn(ownerSub.channelId(), 2, SOON)).hasSize(2);
    }

    @Test
    void aHubWhoseMembersSubscribedStartsItsWebPushProcessBeforeTheFirstRing() throws Exception {
        subscribe(owner.browser());
        // A sender as a restarted hub makes it: nothing delivered yet, subscriptions in the database.
        HubProperties properties = hub.bean(HubProperties.class);
        PushSender restarted = new PushSender(
                hub.bean(PushSubscriptions.class), new VapidKey(properties), java.time.Clock.systemUTC(), properties);
        try {
            long end = System.nanoTime() + SOON.toNanos();
            while (restarted.process().isEmpty() && System.nanoTime() < end) {
                sleep(Duration.ofMillis(50));
            }
            assertThat(restarted.process()).as("started without a delivery").isPresent();
            assertThat(restarted.counts().delivered()).isZero();
            assertThat(restarted.processStarts()).isEqualTo(1);
        } finally {
            restarted.stop();
        }
    }

    @Test
    void theWebPushProcessKilledWithSigkillIsStartedAgainAndNoPushIsLostSilently(CapturedOutput output)
            throws Exception {
        PushSender sender = hub.bean(PushSender.class);
        Subscription ownerSub = subscribe(owner.browser());
        front.pressButton().orElseThrow();
        assertThat(pushService.awaitOn(ownerSub.channelId(), 1, SOON)).hasSize(1);
        ProcessHandle first = sender.process().orElseThrow();
        long starts = sender.processStarts();

        // A push the service holds is in flight in the process when it is killed. It may not have reached the push
        // service, so the next process sends it again (and it is said so): a ring is not lost with the process. Here
        // it did arrive: the browser shows both as one notification (same tag, same topic).
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = pushService.holdNext(ownerSub.channelId(), arrived);
        long failedBefore = sender.counts().failed();
        String inFlight = front.pressButton().orElseThrow();
        assertThat(arrived.await(SOON.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(first.destroyForcibly()).isTrue(); // SIGKILL
        assertThat(first.onExit().get(SOON.toSeconds(), TimeUnit.SECONDS).isAlive())
                .isFalse();
        // The next ring, pressed while the process is down, still reaches the browser (a new process sends it).
        String next = front.pressButton().orElseThrow();
        String said = "The Web Push process (pid " + first.pid() + ") was killed (signal 9); of the push(es) it had"
                + " in flight ";
        awaitTrue(() -> output.getAll().contains(said));
        assertThat(output.getAll())
                .containsPattern(Pattern.quote(said) + "[1-9][0-9]* go to the next one and 0 counted");
        // The held one is recorded once released (its answer goes nowhere), and again from the new process; the
        // next ring's once.
        release.countDown();
        awaitTrue(() -> timesArrived(ownerSub, inFlight) == 2 && timesArrived(ownerSub, next) == 1);
        assertThat(sender.counts().failed()).isEqualTo(failedBefore);
        ProcessHandle second = sender.process().orElseThrow();
        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(sender.processStarts()).isEqualTo(starts + 1);

        // The new process got the VAPID key over its stdin only: not on its command line, in its environment or in
        // the log; it runs with a small heap at a lower priority and none of the hub's environment.
        List<String> secrets = vapidKeyForms();
        String commandLine = second.info().commandLine().orElseThrow();
        // What the JDK reports (it may report none), and the kernel's own copy of the command line.
        String arguments = String.join(" ", second.info().arguments().orElse(new String[0])) + " "
                + Files.readString(Path.of("/proc/" + second.pid() + "/cmdline"), StandardCharsets.UTF_8)
                        .replace('\0', ' ');
        String environment = Files.readString(Path.of("/proc/" + second.pid() + "/environ"), StandardCharsets.UTF_8);
        for (String secret : secrets) {
            assertThat(commandLine).doesNotContain(secret);
            assertThat(arguments).doesNotContain(secret);
            assertThat(environment).doesNotContain(secret);
            assertThat(output.getAll()).doesNotContain(secret);
        }
        assertThat(arguments).contains("-Xmx64m", "-XX:+UseSerialGC", PushProcess.class.getName());
        for (String variable : environment.split("\0")) {
            if (!variable.isEmpty()) {
                assertThat(variable.substring(0, variable.indexOf('='))).isIn("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR");
            }
        }
        // nice -n is relative: ten below the hub's own priority.
        assertThat(niceOf("/proc/" + second.pid() + "/stat"))
                .as("nice")
                .isEqualTo(Math.min(19, niceOf("/proc/self/stat") + PushSender.NICE));
        // And every thread of it at SCHED_IDLE (5): any thread of the hub preempts it at once.
        if (Files.isExecutable(Path.of("/usr/bin/chrt")) || Files.isExecutable(Path.of("/bin/chrt"))) {
            try (var tasks = Files.list(Path.of("/proc/" + second.pid() + "/task"))) {
                List<Integer> policies = tasks.map(task -> {
                            try {
                                return statField(task.resolve("stat").toString(), 38);
                            } catch (Exception e) {
                                return -1; // the thread ended meanwhile
                            }
                        })
                        .filter(policy -> policy >= 0)
                        .toList();
                assertThat(policies)
                        .as("scheduling policy of each thread")
                        .isNotEmpty()
                        .containsOnly(5);
            }
        }
    }

    private static int niceOf(String statFile) throws Exception {
        return statField(statFile, 16);
    }

    /** A field of /proc/.../stat, counted from the one after the command's closing parenthesis (the state: 0). */
    private static int statField(String statFile, int index) throws Exception {
        String stat = Files.readString(Path.of(statFile));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index]);
    }

    @Test
    void garbageFromTheWebPushProcessIsAClearErrorAndItIsStartedAgain(CapturedOutput output) throws Exception {
        PushSender sender = hub.bean(PushSender.class);
        Subscription ownerSub = subscribe(owner.browser());
        front.pressButton().orElseThrow();
        assertThat(pushService.awaitOn(ownerSub.channelId(), 1, SOON)).hasSize(1);
        ProcessHandle first = sender.process().orElseThrow();

        // What a stray print in the process would do: text in the middle of its frames, on its own stdout pipe.
        Files.writeString(Path.of("/proc/" + first.pid() + "/fd/1"), "Exception in thread \"main\" java.lang.Oops\n");
        assertThat(first.onExit().get(SOON.toSeconds(), TimeUnit.SECONDS).isAlive())
                .isFalse();
        awaitTrue(() -> output.getAll().contains("is not a Web Push frame"));
        assertThat(output.getAll())
                .contains("The Web Push process (pid " + first.pid() + ") wrote something that is not a Web Push"
                        + " frame (not a frame (first byte 0x45))");

        // The next ring goes through a new process (what the old one had in flight, delivered or not, goes again).
        String next = front.pressButton().orElseThrow();
        awaitTrue(() -> timesArrived(ownerSub, next) == 1);
        assertThat(sender.process().orElseThrow().pid()).isNotEqualTo(first.pid());
    }

    /** How many pushes on the subscription's channel name the event (a push may be sent again after a death). */
    private static long timesArrived(Subscription subscription, String eventId) {
        return pushService.awaitOn(subscription.channelId(), 0, Duration.ZERO).stream()
                .map(subscription::open)
                .filter(text -> text.contains(eventId))
                .count();
    }

    /** The hub's VAPID private key as it could appear in text: raw scalar in base64url, base64 and hex, the PEM. */
    private static List<String> vapidKeyForms() throws Exception {
        byte[] scalar = hub.bean(VapidKey.class).privateScalar();
        List<String> forms = new ArrayList<>(List.of(
                Base64.getUrlEncoder().withoutPadding().encodeToString(scalar),
                Base64.getEncoder().withoutPadding().encodeToString(scalar),
                java.util.HexFormat.of().formatHex(scalar)));
        Path pem = hub.dataDir().resolve("push").resolve("vapid-key.pem");
        if (Files.exists(pem)) {
            Files.readString(pem).lines().filter(l -> !l.startsWith("-----")).forEach(forms::add);
        }
        return forms;
    }

    // ---- helpers

    private static Subscription subscribe(BrowserClient browser) {
        Subscription sub = pushService.subscribe();
        assertStatus(browser.putJson(path(browser.clientId()), sub.json()), 204);
        return sub;
    }

    private static String path(String clientId) {
        return "/api/push/subscriptions/" + clientId;
    }

    private static void assertStatus(BrowserClient.Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
    }

    private static void signRoster() {
        access.sort(Comparator.comparing(Roster.Access::clientId));
        BrowserClient.Response signed = owner.browser().signRoster(owner.householdId(), roles, access);
        assertThat(signed.status()).as(signed.body()).isEqualTo(201);
    }

    private static Household join(String username, String role) {
        relaxSignUpThrottle();
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", role))
                .json()
                .get("link")
                .stringValue();
        Household member = Household.signUp(hub, username);
        member.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        member.browser().registerClient();
        return new Household(member.browser(), username, owner.householdId());
    }

    /** Sign-up throttling is WebSecurityTest's subject; this class signs up more members than it allows. */
    private static void relaxSignUpThrottle() {
        RateLimiter limiter = hub.bean(RateLimiter.class);
        for (String address : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1")) {
            limiter.reset(RateLimit.SIGNUP_PER_ADDRESS, address);
            limiter.reset(RateLimit.LOGIN_PER_ADDRESS, address);
        }
    }

    private static String accountIdOf(Household member) {
        for (JsonNode m : owner.browser()
                .get("/api/households/" + owner.householdId() + "/members")
                .json()) {
            if (m.toString().contains("\"" + member.username() + "\"")) {
                return m.get("accountId").stringValue();
            }
        }
        throw new AssertionError("no member " + member.username());
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        Instant end = Instant.now().plus(SOON);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("condition not met in time");
            }
            sleep(Duration.ofMillis(50));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

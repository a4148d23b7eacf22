package dev.doorward.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.MozillaPushSocket;
import dev.doorward.hub.testing.PushServiceStandIn;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Web Push end to end in a real browser with no internet: a member's Firefox (Debian firefox-esr, headless)
 * subscribes through the web app's own modules to a push service on loopback; a press on the doorbell goes
 * hub → push service (RFC 8030, VAPID) → Firefox, whose service worker decrypts it (Firefox acknowledges with
 * code 100; 101 would mean our RFC 8291 encryption is wrong) and then fetches the event's sealed snapshot from
 * the hub with the member's session (the hub's audit log records it). Firefox shows no notification headless,
 * so the test watches the acknowledgement and the hub, not the screen.
 */
class PushInFirefoxTest {
    @TempDir
    Path dir;

    @Test
    void aPressReachesFirefoxsServiceWorkerWhichOpensTheEventsSnapshot() throws Exception {
        try (PushServiceStandIn pushService = PushServiceStandIn.start(dir.resolve("push-service"))) {
            MozillaPushSocket socket = pushService.mozillaSocket();
            Map<String, String> settings = new HashMap<>(pushService.hubProperties());
            settings.put("doorward.open-signup", "true");
            try (TestHub hub = TestHub.start(dir.resolve("hub"), settings);
                    Firefox firefox = Firefox.launch(dir.resolve("firefox"), socket.serverUrl())) {
                Household owner = Household.firstOwner(hub);
                DeviceAgent front = owner.claim(hub, hub.mintDevice("front"));
                String deviceId = front.deviceId().orElseThrow();
                BrowserClient ownerBrowser = owner.browser();

                // A resident whose browser is this Firefox.
                String link = ownerBrowser
                        .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                        .json()
                        .get("link")
                        .stringValue();
                Household resident = Household.signUp(hub, "resident");
                assertThat(resident.browser()
                                .postJson(
                                        "/api/invitations/accept",
                                        Map.of("token", link.substring(link.indexOf("#invite=") + 8)))
                                .status())
                        .isEqualTo(200);

                firefox.navigate(hub.browserUrl().toString());
                String clientId = firefox.evaluate("""
                        (async () => {
                          const { api } = await import('/app/api.js');
                          const keys = await import('/app/keys.js');
                          await api.session();
                          await api.login('resident', '%s');
                          const session = await api.session();
                          await keys.ensureRegistered(api, session.accountId);
                          return await keys.ownClientId(api);
                        })()""".formatted(Household.PASSWORD));
                assertThat(clientId).matches("[A-Za-z0-9_-]{22}");

                // The owner approves it (a signed roster), as an admin's web app does.
                BrowserClient.Response roster = ownerBrowser.signRoster(
                        owner.householdId(), Map.of(ownerBrowser.clientId(), "owner", clientId, "resident"));
                assertThat(roster.status()).as(roster.body()).isEqualTo(201);

                String subscribed = firefox.evaluate("""
                        (async () => {
                          const { api } = await import('/app/api.js');
                          const keys = await import('/app/keys.js');
                          await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
                          const registration = await navigator.serviceWorker.ready;
                          const { publicKey } = await api.pushKey();
                          const b64 = publicKey.replace(/-/g, '+').replace(/_/g, '/');
                          const key = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)),
                            (c) => c.charCodeAt(0));
                          let subscription = null;
                          let error = null;
                          // The first subscribe can race Firefox's first connection to the push service.
                          for (let i = 0; i < 5 && !subscription; i++) {
                            try {
                              subscription = await registration.pushManager.subscribe(
                                { userVisibleOnly: true, applicationServerKey: key });
                            } catch (e) {
                              error = e;
                              await new Promise((r) => setTimeout(r, 2000));
                            }
                          }
                          if (!subscription) return 'subscribe failed: ' + error;
                          const json = subscription.toJSON();
                          await api.putPushSubscription(await keys.ownClientId(api),
                            { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } });
                          return json.endpoint;
                        })()""");
                assertThat(subscribed).as(String.join("\n", socket.log())).startsWith(pushService.origin() + "/wpush/");
                String channelId = subscribed.substring(subscribed.lastIndexOf('/') + 1);

                String eventId = front.pressButton().orElseThrow();
                assertThat(pushService.awaitOn(channelId, 1, Duration.ofSeconds(20)))
                        .as("the hub's push reached the push service")
                        .extracting(PushServiceStandIn.Received::answer)
                        .containsExactly(201);
                await(
                        () -> socket.acks().stream().anyMatch(a -> a.channelId().equals(channelId)),
                        Duration.ofSeconds(30),
                        () -> "no ack from Firefox: " + socket.log());
                assertThat(socket.acks())
                        .as("Firefox decrypted the push (100), not failed to (101)")
                        .filteredOn(a -> a.channelId().equals(channelId))
                        .extracting(MozillaPushSocket.Ack::code)
                        .containsOnly(100);

                // The service worker then fetched the sealed snapshot of that event with the resident's session.
                String audit = "/api/audit?householdId=" + owner.householdId();
                await(
                        () -> ownerBrowser.get(audit).body().contains("resident opened the snapshot of an event"),
                        Duration.ofSeconds(30),
                        () -> "no snapshot fetch by the resident's service worker in the audit log");
                assertThat(eventId).isNotBlank();
                assertThat(deviceId).isNotBlank();
            }
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> why)
            throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError(why.get());
            }
            Thread.sleep(100);
        }
    }
}

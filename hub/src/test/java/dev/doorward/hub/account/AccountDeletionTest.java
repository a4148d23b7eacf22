package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Deleting an account (issue 5, DESIGN §7): everything the owner's household had — rows in every table,
 * sealed blobs, wrapped keys — is gone, its doorbell's link is closed and its certificate refused, every
 * session of the account ends; a wrong password deletes nothing; a member who deletes their account leaves
 * the households they were invited into intact, without them.
 */
class AccountDeletionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void theOwnerDeletingTheirAccountLeavesNoRowBlobOrKeyBehind() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            JdbcClient jdbc = hub.bean(JdbcClient.class);
            Household bystander = Household.firstOwner(hub);
            Household departing = Household.signUp(hub, "departing");
            BrowserClient browser = departing.browser();
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = departing.claim(hub, minted);
            String deviceId = doorbell.deviceId().orElseThrow();
            String accountId =
                    browser.get("/api/session").json().get("accountId").stringValue();
            // A member invited into the household that is about to go: they stay, without it.
            Household resident = join(hub, departing, "resident");
            assertThat(browser.signRoster(departing.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            Thread.sleep(1_000); // a second of frames for the clip
            String eventId = doorbell.pressButton().orElseThrow();
            assertThat(await(() ->
                            count(jdbc, "select count(*) from event_media where device_id = '" + deviceId + "'") == 2))
                    .as("snapshot and clip stored")
                    .isTrue();
            assertThat(blobFiles(hub)).hasSize(2);
            assertThat(count(jdbc, "select count(*) from media_keys where device_id = '" + deviceId + "'"))
                    .isPositive();
            List<String> identifiers = new ArrayList<>(List.of(
                    accountId,
                    "departing",
                    departing.householdId(),
                    deviceId,
                    minted.serial(),
                    eventId,
                    browser.clientId(),
                    browser.clientFingerprint()));
            identifiers.addAll(jdbc.sql("select blob_id from event_media")
                    .query(String.class)
                    .list());
            identifiers.addAll(jdbc.sql("select id from events where household_id = :h")
                    .param("h", departing.householdId())
                    .query(String.class)
                    .list());
            long events =
                    count(jdbc, "select count(*) from events where household_id = '" + departing.householdId() + "'");
            // Another signed-in session of the same account, with its live stream open.
            BrowserClient otherTab = hub.browser();
            assertThat(otherTab.login("departing", Household.PASSWORD).status()).isEqualTo(204);
            BrowserClient.Stream otherStream = otherTab.openStream();
            assertThat(otherStream.awaitType("hello", Duration.ofSeconds(5))).isPresent();
            BrowserClient.Stream residentStream = resident.browser().openStream();
            assertThat(residentStream.awaitType("hello", Duration.ofSeconds(5))).isPresent();

            // A wrong password deletes nothing (only the refusal is recorded).
            Map<String, Long> before = rowCounts(jdbc);
            BrowserClient.Response refused = deleteAccount(browser, "not the password at all");
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            Map<String, Long> after = rowCounts(jdbc);
            before.remove("audit_log");
            after.remove("audit_log");
            assertThat(after).isEqualTo(before);
            assertThat(blobFiles(hub)).hasSize(2);
            assertThat(hub.bean(DeviceConnections.class).isOnline(deviceId)).isTrue();
            assertThat(browser.get("/api/devices").status()).isEqualTo(200);

            // The password: everything goes, and the answer says what.
            BrowserClient.Response deleted = deleteAccount(browser, Household.PASSWORD);
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            JsonNode counts = deleted.json().get("deleted");
            assertThat(counts.get("households").asInt()).isEqualTo(1);
            assertThat(counts.get("devices").asInt()).isEqualTo(1);
            assertThat(counts.get("events").asLong()).isEqualTo(events);
            assertThat(counts.get("blobs").asInt()).isEqualTo(2);
            assertThat(counts.get("browsers").asInt()).isEqualTo(1);

            // No row of any table (listed from the schema, so a new table is covered) mentions any of it.
            Map<String, List<String>> rows = allRows(jdbc);
            assertThat(rows).containsKeys("accounts", "households", "audit_log", "event_media", "media_keys");
            for (var table : rows.entrySet()) {
                for (String row : table.getValue()) {
                    for (String id : identifiers) {
                        assertThat(row)
                                .as("%s still mentions %s", table.getKey(), id)
                                .doesNotContain(id);
                    }
                }
            }
            assertThat(rows.get("event_media")).isEmpty();
            assertThat(rows.get("media_keys")).isEmpty();
            assertThat(rows.get("devices")).isEmpty();
            assertThat(rows.get("events")).isEmpty();
            // The blob directory is empty: not a blob, not a temporary file.
            try (Stream<Path> files = Files.walk(hub.dataDir().resolve("blobs"))) {
                assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
            }

            // The doorbell's link is closed; it is still owned (it does not know) but its certificate is refused.
            assertThat(await(() -> !hub.bean(DeviceConnections.class).isOnline(deviceId)))
                    .isTrue();
            Thread.sleep(1_500); // it keeps knocking
            assertThat(doorbell.linkState()).isNotEqualTo(LinkState.CONNECTED);
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);
            doorbell.close();
            try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, minted.deviceDir())) {
                assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(link.closeCode()).contains(1008);
            }

            // Every session of the account ends: a stranger's answers from now on, and the stream is closed.
            assertThat(browser.get("/api/devices").status()).isEqualTo(401);
            assertThat(otherTab.get("/api/devices").status()).isEqualTo(401);
            assertThat(otherTab.get("/api/session").json().get("signedIn").asBoolean())
                    .isFalse();
            assertThat(await(otherStream::closed))
                    .as("the other tab's stream closed")
                    .isTrue();
            assertThat(hub.bean(AccountSessions.class).count(accountId)).isZero();
            assertThat(hub.browser().login("departing", Household.PASSWORD).status())
                    .isEqualTo(401);

            // The invited member keeps their account and their own household, and was told.
            assertThat(residentStream.await(
                            m -> "security-alert".equals(m.path("type").asString(""))
                                    && m.path("message").asString("").contains("deleted their account"),
                            Duration.ofSeconds(5)))
                    .isPresent();
            JsonNode residentSession = resident.browser().get("/api/session").json();
            assertThat(residentSession.get("signedIn").asBoolean()).isTrue();
            assertThat(residentSession.get("households")).hasSize(1);
            assertThat(residentSession.get("households").get(0).get("id").stringValue())
                    .isEqualTo(resident.householdId());
            // Nobody else's household was touched.
            assertThat(bystander.browser().get("/api/session").json().get("households"))
                    .hasSize(1);
            assertThat(jdbc.sql("select count(*) from audit_log where chain = :h")
                            .param("h", bystander.householdId())
                            .query(Long.class)
                            .single())
                    .isPositive();
        }
    }

    @Test
    void anInvitedMemberDeletingTheirAccountLeavesTheHouseholdIntactWithoutThem() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            JdbcClient jdbc = hub.bean(JdbcClient.class);
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient ownerBrowser = owner.browser();
            Household member = join(hub, owner, "leaving-member");
            BrowserClient memberBrowser = member.browser();
            String memberAccountId =
                    memberBrowser.get("/api/session").json().get("accountId").stringValue();
            String memberClientId = memberBrowser.clientId();
            assertThat(ownerBrowser
                            .signRoster(
                                    owner.householdId(),
                                    Map.of(ownerBrowser.clientId(), "owner", memberClientId, "resident"))
                            .status())
                    .isEqualTo(201);
            // The doorbell wraps its media key to the member's browser too.
            assertThat(await(() ->
                            count(jdbc, "select count(*) from media_keys where client_id = '" + memberClientId + "'")
                                    > 0))
                    .isTrue();
            Thread.sleep(1_000);
            String eventId = doorbell.pressButton().orElseThrow();
            assertThat(await(() -> count(jdbc, "select count(*) from event_media") == 2))
                    .isTrue();
            BrowserClient.Stream ownerStream = ownerBrowser.openStream();
            assertThat(ownerStream.awaitType("hello", Duration.ofSeconds(5))).isPresent();

            BrowserClient.Response deleted = deleteAccount(memberBrowser, Household.PASSWORD);
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            JsonNode counts = deleted.json().get("deleted");
            // Only the member's own (empty) household went.
            assertThat(counts.get("households").asInt()).isEqualTo(1);
            assertThat(counts.get("devices").asInt()).isZero();
            assertThat(counts.get("blobs").asInt()).isZero();
            assertThat(counts.get("browsers").asInt()).isEqualTo(1);

            // Membership, browser and key envelopes of the member are gone ...
            assertThat(count(jdbc, "select count(*) from memberships where account_id = '" + memberAccountId + "'"))
                    .isZero();
            assertThat(count(jdbc, "select count(*) from member_clients where account_id = '" + memberAccountId + "'"))
                    .isZero();
            assertThat(count(jdbc, "select count(*) from media_keys where client_id = '" + memberClientId + "'"))
                    .isZero();
            assertThat(count(jdbc, "select count(*) from accounts where id = '" + memberAccountId + "'"))
                    .isZero();
            assertThat(count(jdbc, "select count(*) from households where id = '" + member.householdId() + "'"))
                    .isZero();
            assertThat(memberBrowser.get("/api/devices").status()).isEqualTo(401);
            // ... and the owner's household is intact: its doorbell, event, media, blobs and the owner's keys.
            assertThat(hub.bean(DeviceConnections.class).isOnline(deviceId)).isTrue();
            assertThat(count(jdbc, "select count(*) from events where id = '" + eventId + "'"))
                    .isEqualTo(1);
            assertThat(count(jdbc, "select count(*) from event_media")).isEqualTo(2);
            assertThat(blobFiles(hub)).hasSize(2);
            assertThat(count(
                            jdbc,
                            "select count(*) from media_keys where client_id = '" + ownerBrowser.clientId() + "'"))
                    .isPositive();
            JsonNode members = ownerBrowser
                    .get("/api/households/" + owner.householdId() + "/members")
                    .json();
            assertThat(members).hasSize(1);
            // The owner is alerted, and the household's audit log says what happened.
            assertThat(ownerStream.await(
                            m -> "security-alert".equals(m.path("type").asString(""))
                                    && m.path("message").asString("").contains("leaving-member"),
                            Duration.ofSeconds(5)))
                    .isPresent();
            assertThat(ownerBrowser
                            .get("/api/audit?householdId=" + owner.householdId() + "&limit=100")
                            .body())
                    .contains("member-account-deleted");
        }
    }

    // ---- helpers

    static BrowserClient.Response deleteAccount(BrowserClient browser, String password) {
        return browser.sendRaw(HttpRequest.newBuilder(browser.base().resolve("/api/account"))
                .header("Content-Type", "application/json")
                .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                .method(
                        "DELETE",
                        HttpRequest.BodyPublishers.ofString(
                                "{\"password\":\"" + password.replace("\"", "\\\"") + "\"}"))
                .build());
    }

    /** Invites a new account into the household as a resident; it accepts and registers its browser. */
    private static Household join(TestHub hub, Household owner, String username) {
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .stringValue();
        Household member = Household.signUp(hub, username);
        assertThat(member.browser()
                        .postJson(
                                "/api/invitations/accept",
                                Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())))
                        .status())
                .isEqualTo(200);
        member.browser().registerClient();
        return member;
    }

    private static List<String> tables(JdbcClient jdbc) {
        return jdbc.sql("""
                        select table_name from information_schema.tables
                        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name""").query(String.class).list();
    }

    /** Every row of every table of the schema, as JSON text. */
    private static Map<String, List<String>> allRows(JdbcClient jdbc) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String table : tables(jdbc)) {
            rows.put(
                    table,
                    jdbc.sql("select row_to_json(t)::text from \"" + table + "\" t")
                            .query(String.class)
                            .list());
        }
        return rows;
    }

    private static Map<String, Long> rowCounts(JdbcClient jdbc) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : tables(jdbc)) {
            counts.put(table, count(jdbc, "select count(*) from \"" + table + "\""));
        }
        return counts;
    }

    private static long count(JdbcClient jdbc, String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }

    private static List<Path> blobFiles(TestHub hub) throws IOException {
        Path blobs = hub.dataDir().resolve("blobs");
        if (!Files.exists(blobs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(blobs)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList();
        }
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}

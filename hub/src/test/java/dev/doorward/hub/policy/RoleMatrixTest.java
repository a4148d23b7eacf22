package dev.doorward.hub.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.door.DoorCommands;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import dev.doorward.protocol.MessageType;
import dev.doorward.protocol.MoveCode;
import dev.doorward.protocol.Roster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The role matrix of issue 6: every HTTP route of {@link RoutePolicy#POLICY} and every device-link message type
 * against every kind of caller, each getting exactly what the policy says.
 *
 * <p><b>HTTP.</b> One fixture household: an owner with a claimed doorbell, a signed roster (owner, admin,
 * resident and guest browsers) and events with sealed snapshot and clip. The actors are {@link Actor}: anonymous,
 * a neighbour (owner of another household), guest, resident, admin, owner, and a removed member (joined as a
 * resident, removed by the owner). Each row of {@link #ROWS} names a route, who it is for ({@link Audience}), what
 * an allowed caller gets (its status, and what that status means when it is not 2xx) and how to build the request
 * from the fixture's ids. Each actor's outcome is one of {@link Outcome}: ALLOWED (the row's status), DENIED_AS_UNKNOWN
 * (a 404 word for word the one the same actor gets for the same request with unknown ids, "instance" aside) or
 * UNAUTHENTICATED (401). The rows must be exactly the routes of {@code RoutePolicy.POLICY} and of the running hub,
 * so a route without a row fails here.
 *
 * <p>Access lines in the signed roster make three of the actors: the plain guest has hours that are open now
 * (a guest inside their schedule), another guest's hours are closed now, and a resident is kept to another
 * doorbell. On every route about this
 * doorbell ({@code {deviceId}} in the path) they get the unknown-id answer; elsewhere what their role gets.
 *
 * <p>Side effects: rows run in table order, destructive ones last. A row whose allowed request would change the
 * fixture uses a request that is authorized and then harmlessly refused, and says so in {@code allowedMeans}.
 * Throttles (sign-in, sign-up, setup per address) are reset before each request: throttling is {@code
 * WebSecurityTest}'s subject, authorization is this one's.
 *
 * <p><b>Device link.</b> For every {@link MessageType}, what a welcomed, owned doorbell's link does with it: every
 * type only the hub may send, and the claim and hello types that do not belong on an owned link, are refused with
 * {@code not-allowed}; the others pass the direction and state checks. Generated from {@code MessageType.values()}:
 * a new type fails until it has a sample here.
 */
class RoleMatrixTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAA";
    private static final KeyPair STRANGER_KEY = KeyPairs.newP256(new SecureRandom());
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    static Path dir;

    static TestHub hub;
    static Map<Actor, BrowserClient> browsers = new EnumMap<>(Actor.class);
    static Ids ids;
    static MintedDevice probe;
    static String probeId;
    static Map<String, String> rosterRoles = new LinkedHashMap<>();
    /** The access lines every roster the test signs carries (so the restricted actors stay restricted). */
    static List<Roster.Access> rosterAccess = new ArrayList<>();

    static String hubCaFingerprint;
    static URI deviceLinkUrl;

    enum Actor {
        ANONYMOUS,
        NEIGHBOUR,
        GUEST,
        RESIDENT,
        ADMIN,
        OWNER,
        REMOVED,
        /** A guest whose hours (from the signed roster) are closed right now. */
        GUEST_OUTSIDE_HOURS,
        /** A resident kept to another doorbell by the signed roster. */
        RESIDENT_OTHER_DOORBELL;

        /** Restricted by the roster's access lines: a member, but not of this doorbell at this moment. */
        boolean keptAwayFromTheDoorbell() {
            return this == GUEST_OUTSIDE_HOURS || this == RESIDENT_OTHER_DOORBELL;
        }
    }

    enum Outcome {
        ALLOWED,
        DENIED_AS_UNKNOWN,
        UNAUTHENTICATED
    }

    /** Who a route is for; from it, every actor's expected outcome. */
    enum Audience {
        ANYONE,
        SIGNED_IN,
        MEMBERS,
        ADMINS,
        CLAIM_STARTER;

        Outcome expectedFor(Actor actor) {
            if (this == ANYONE) {
                return Outcome.ALLOWED;
            }
            if (actor == Actor.ANONYMOUS) {
                return Outcome.UNAUTHENTICATED;
            }
            Set<Actor> allowed = switch (this) {
                case ANYONE, SIGNED_IN -> EnumSet.allOf(Actor.class);
                case MEMBERS ->
                    EnumSet.of(
                            Actor.GUEST,
                            Actor.RESIDENT,
                            Actor.ADMIN,
                            Actor.OWNER,
                            Actor.GUEST_OUTSIDE_HOURS,
                            Actor.RESIDENT_OTHER_DOORBELL);
                case ADMINS -> EnumSet.of(Actor.ADMIN, Actor.OWNER);
                // The fixture's claim was started by the owner.
                case CLAIM_STARTER -> EnumSet.of(Actor.OWNER);
            };
            return allowed.contains(actor) ? Outcome.ALLOWED : Outcome.DENIED_AS_UNKNOWN;
        }
    }

    /** The ids a request is built from: the fixture's, or {@link #unknown()} ones for the "does not exist" answer. */
    record Ids(
            String householdId,
            String deviceId,
            String eventId,
            String handle,
            String ownerAccountId,
            long epoch,
            Map<Actor, String> deletableEvents) {
        static Ids unknown(long epoch) {
            return new Ids(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, epoch, Map.of());
        }

        String deletableEventFor(Actor actor) {
            return deletableEvents.getOrDefault(actor, eventId);
        }
    }

    interface Call {
        BrowserClient.Response send(Actor actor, BrowserClient browser, Ids ids);
    }

    /**
     * One route: who it is for, what an allowed caller gets ({@code allowedStatus}, and {@code allowedDetail} in
     * its body when not null) and what that means, and the request.
     */
    record Row(
            String route, Audience audience, int allowedStatus, String allowedDetail, String allowedMeans, Call call) {
        /**
         * What an actor gets: the audience's answer, except that a member the roster keeps away from this doorbell
         * (now) gets the unknown-id answer on every route about this doorbell.
         */
        Outcome expectedFor(Actor actor) {
            Outcome byRole = audience.expectedFor(actor);
            if (byRole == Outcome.ALLOWED && actor.keptAwayFromTheDoorbell() && route.contains("{deviceId}")) {
                return Outcome.DENIED_AS_UNKNOWN;
            }
            return byRole;
        }
    }

    private static Row row(String route, Audience audience, int allowedStatus, String allowedMeans, Call call) {
        return new Row(route, audience, allowedStatus, null, allowedMeans, call);
    }

    private static Row refusedAfterAuthorization(
            String route, Audience audience, int status, String detail, String allowedMeans, Call call) {
        return new Row(route, audience, status, detail, allowedMeans, call);
    }

    /** The matrix, in the order it runs: harmless rows first, destructive ones last. */
    static final List<Row> ROWS = List.of(
            row("GET /api/session", Audience.ANYONE, 200, "says whether signed in", (a, b, i) -> b.get("/api/session")),
            row("GET /api/health", Audience.ANYONE, 200, "says the hub is up", (a, b, i) -> b.get("/api/health")),
            refusedAfterAuthorization(
                    "POST /api/setup",
                    Audience.ANYONE,
                    400,
                    null,
                    "public, but the one-time token is spent once an account exists: every caller gets the same 400"
                            + " (the token is the credential; WebSecurityTest.theSetupLinkWorksOnce...)",
                    (a, b, i) -> b.setup(hub.setupToken(), "setup" + COUNTER.incrementAndGet(), Household.PASSWORD)),
            row(
                    "POST /api/accounts",
                    Audience.ANYONE,
                    201,
                    "open sign-up is on: a new account with its own household",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/accounts",
                            Map.of(
                                    "username",
                                    "signup" + COUNTER.incrementAndGet(),
                                    "password",
                                    Household.PASSWORD,
                                    "householdName",
                                    "Home"))),
            row(
                    "GET /api/devices",
                    Audience.SIGNED_IN,
                    200,
                    "the account's own households' doorbells",
                    (a, b, i) -> b.get("/api/devices")),
            row(
                    "GET /api/clients",
                    Audience.SIGNED_IN,
                    200,
                    "the account's own browsers",
                    (a, b, i) -> b.get("/api/clients")),
            row(
                    "GET /api/push/key",
                    Audience.SIGNED_IN,
                    200,
                    "the hub's public VAPID key",
                    (a, b, i) -> b.get("/api/push/key")),
            row(
                    "GET /api/push/preferences",
                    Audience.SIGNED_IN,
                    200,
                    "the account's own push choices",
                    (a, b, i) -> b.get("/api/push/preferences")),
            row(
                    "PUT /api/push/preferences",
                    Audience.SIGNED_IN,
                    204,
                    "the account's own push choices set (motion off, as it was)",
                    (a, b, i) -> send(b, "PUT", "/api/push/preferences", Map.of("motion", false))),
            refusedAfterAuthorization(
                    "PUT /api/push/subscriptions/{clientId}",
                    Audience.SIGNED_IN,
                    400,
                    "The push endpoint points to a private, local or reserved address",
                    "signed in, then refused: the endpoint is loopback (WebPushTest: who may subscribe which browser)",
                    (a, b, i) -> send(
                            b,
                            "PUT",
                            "/api/push/subscriptions/" + (b.clientId() == null ? UNKNOWN : b.clientId()),
                            Map.of(
                                    "endpoint",
                                    "https://127.0.0.1/wpush/x",
                                    "keys",
                                    Map.of(
                                            "p256dh",
                                            Base64.getUrlEncoder()
                                                    .withoutPadding()
                                                    .encodeToString(dev.doorward.crypto.pki.P256Points.encode(
                                                            STRANGER_KEY.getPublic())),
                                            "auth",
                                            "AAAAAAAAAAAAAAAAAAAAAA")))),
            row(
                    "DELETE /api/push/subscriptions/{clientId}",
                    Audience.SIGNED_IN,
                    204,
                    "the push subscription of the caller's own browser gone (there was none: idempotent)",
                    (a, b, i) -> send(
                            b,
                            "DELETE",
                            "/api/push/subscriptions/" + (b.clientId() == null ? UNKNOWN : b.clientId()),
                            null)),
            row(
                    "PUT /api/clients/{clientId}/label",
                    Audience.SIGNED_IN,
                    200,
                    "the caller's own browser renamed",
                    (a, b, i) -> send(
                            b,
                            "PUT",
                            "/api/clients/" + (b.clientId() == null ? UNKNOWN : b.clientId()) + "/label",
                            Map.of("label", "Role matrix browser"))),
            refusedAfterAuthorization(
                    "POST /api/invitations/sign-up",
                    Audience.ANYONE,
                    400,
                    "This invitation is not valid",
                    "public; an unknown token gets everyone this 400 and creates nothing (the token is the"
                            + " permission; signing up with a real one is AccountSafetyTest's)",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/invitations/sign-up",
                            Map.of(
                                    "token",
                                    "not-an-invitation-token",
                                    "username",
                                    "invited" + COUNTER.incrementAndGet(),
                                    "password",
                                    Household.PASSWORD))),
            refusedAfterAuthorization(
                    "PUT /api/account/password",
                    Audience.SIGNED_IN,
                    400,
                    "Wrong password",
                    "signed in, then refused for a wrong current password (AccountSafetyTest changes it)",
                    (a, b, i) -> send(
                            b,
                            "PUT",
                            "/api/account/password",
                            Map.of("currentPassword", "not the password", "newPassword", "a new password 1"))),
            row(
                    "GET /api/account/sessions",
                    Audience.SIGNED_IN,
                    200,
                    "the caller's own sessions",
                    (a, b, i) -> b.get("/api/account/sessions")),
            row(
                    "DELETE /api/account/sessions/{sessionRef}",
                    Audience.SIGNED_IN,
                    204,
                    "nothing ended: the reference names none of the caller's sessions (ending one is"
                            + " AccountSafetyTest's)",
                    (a, b, i) -> send(b, "DELETE", "/api/account/sessions/" + UNKNOWN, null)),
            row(
                    "GET /api/account/passkeys",
                    Audience.SIGNED_IN,
                    200,
                    "the caller's own passkeys",
                    (a, b, i) -> b.get("/api/account/passkeys")),
            row(
                    "DELETE /api/account/passkeys/{credential}",
                    Audience.SIGNED_IN,
                    204,
                    "nothing removed: the id is none of the caller's passkeys (removing one is PasskeyInBrowserTest's)",
                    (a, b, i) -> send(b, "DELETE", "/api/account/passkeys/" + UNKNOWN, null)),
            refusedAfterAuthorization(
                    "POST /api/households/{householdId}/members/{accountId}/recovery-link",
                    Audience.ADMINS,
                    400,
                    "The owner gets back in with their recovery code",
                    "authorized, then refused: the target is the owner (issuing one is AccountSafetyTest's)",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/households/" + i.householdId() + "/members/" + i.ownerAccountId() + "/recovery-link",
                            null)),
            refusedAfterAuthorization(
                    "POST /api/recovery",
                    Audience.ANYONE,
                    400,
                    "This re-entry link is not valid",
                    "public; an unknown token gets everyone this 400 and changes nothing",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/recovery",
                            Map.of("token", "not-a-recovery-token", "password", "a new password 1"))),
            refusedAfterAuthorization(
                    "POST /api/recovery/owner",
                    Audience.ANYONE,
                    400,
                    "Wrong username or recovery code",
                    "public; a wrong code gets everyone this 400 and changes nothing",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/recovery/owner",
                            Map.of(
                                    "username",
                                    "owner",
                                    "recoveryCode",
                                    "0000-0000-0000-0000-0000-0000-0000-0000",
                                    "password",
                                    "a new password 1"))),
            row(
                    "POST /api/clients",
                    Audience.SIGNED_IN,
                    201,
                    "a fresh key pair registered for the signed-in account",
                    (a, b, i) -> send(b, "POST", "/api/clients", freshClientKeys())),
            row(
                    "GET /api/events",
                    Audience.MEMBERS,
                    200,
                    "the household's history",
                    (a, b, i) -> b.get("/api/events?householdId=" + i.householdId())),
            row(
                    "GET /api/audit",
                    Audience.ADMINS,
                    200,
                    "a page of the household's audit log (cursor and topic as the Security screen sends them)",
                    (a, b, i) -> b.get("/api/audit?householdId=" + i.householdId() + "&limit=50&before="
                            + Long.MAX_VALUE + "&topic=access")),
            row(
                    "GET /api/households/{householdId}/members",
                    Audience.MEMBERS,
                    200,
                    "the member list",
                    (a, b, i) -> b.get("/api/households/" + i.householdId() + "/members")),
            row(
                    "GET /api/households/{householdId}/roster",
                    Audience.MEMBERS,
                    200,
                    "the roster view",
                    (a, b, i) -> b.get("/api/households/" + i.householdId() + "/roster")),
            row(
                    "POST /api/claims",
                    Audience.ADMINS,
                    201,
                    "a claim QR code (an open ticket that expires)",
                    (a, b, i) -> send(
                            b,
                            "POST",
                            "/api/claims",
                            Map.of(
                                    "householdId",
                                    i.householdId(),
                                    "setupCode",
                                    "1357924680",
                                    "name",
                                    "Back door",
                                    "ownerKeyFingerprint",
                                    b.clientFingerprint() == null ? "-" : b.clientFingerprint()))),
            row(
                    "GET /api/claims/{handle}",
                    Audience.CLAIM_STARTER,
                    200,
                    "the state of the claim the owner started",
                    (a, b, i) -> b.get("/api/claims/" + i.handle())),
            row(
                    "POST /api/households/{householdId}/invitations",
                    Audience.ADMINS,
                    201,
                    "a guest invitation link (unused)",
                    (a, b, i) -> send(
                            b, "POST", "/api/households/" + i.householdId() + "/invitations", Map.of("role", "guest"))),
            refusedAfterAuthorization(
                    "POST /api/invitations/accept",
                    Audience.SIGNED_IN,
                    400,
                    "This invitation is not valid",
                    "signed in; an unknown token gets every signed-in account this 400 (the token is the credential;"
                            + " accepting a valid one is MembershipTest's, and would change the fixture)",
                    (a, b, i) ->
                            send(b, "POST", "/api/invitations/accept", Map.of("token", "not-an-invitation-token"))),
            row(
                    "PUT /api/households/{householdId}/retention",
                    Audience.ADMINS,
                    200,
                    "history kept 30 days (the default)",
                    (a, b, i) ->
                            send(b, "PUT", "/api/households/" + i.householdId() + "/retention", Map.of("days", 30))),
            refusedAfterAuthorization(
                    "POST /api/devices/{id}/veto-reset",
                    Audience.ADMINS,
                    400,
                    "No reset of this doorbell is pending",
                    "authorized, then refused: no reset is pending (a pending one is PhysicalResetTest's)",
                    (a, b, i) -> send(b, "POST", "/api/devices/" + i.deviceId() + "/veto-reset", Map.of())),
            row(
                    "POST /api/devices/{id}/move-code",
                    Audience.ADMINS,
                    200,
                    "a move QR code signed by the caller's own browser (never shown to the doorbell)",
                    (a, b, i) -> {
                        long now = System.currentTimeMillis();
                        String statement = MoveCode.statement(i.deviceId(), hubCaFingerprint, now, deviceLinkUrl);
                        return send(
                                b,
                                "POST",
                                "/api/devices/" + i.deviceId() + "/move-code",
                                Map.of(
                                        "issuedAt",
                                        now,
                                        "signature",
                                        sign(b, statement),
                                        "signerPublicKey",
                                        publicKey(b)));
                    }),
            row(
                    "POST /api/devices/{id}/cooling-off",
                    Audience.ADMINS,
                    202,
                    "carried to the doorbell, which decides (the default 72 h; only the pinned owner key counts)",
                    (a, b, i) -> {
                        String statement =
                                "doorward-cooling-off:1:" + i.deviceId() + ":" + System.currentTimeMillis() + ":259200";
                        return send(
                                b,
                                "POST",
                                "/api/devices/" + i.deviceId() + "/cooling-off",
                                Map.of(
                                        "statement",
                                        statement,
                                        "signature",
                                        sign(b, statement),
                                        "signerPublicKey",
                                        publicKey(b)));
                    }),
            row(
                    "POST /api/devices/{id}/motion",
                    Audience.ADMINS,
                    202,
                    "carried to the doorbell, which decides (motion off, as it already is)",
                    (a, b, i) -> {
                        String statement =
                                "doorward-motion:1:" + i.deviceId() + ":" + System.currentTimeMillis() + ":off";
                        return send(
                                b,
                                "POST",
                                "/api/devices/" + i.deviceId() + "/motion",
                                Map.of(
                                        "statement",
                                        statement,
                                        "signature",
                                        sign(b, statement),
                                        "signerPublicKey",
                                        publicKey(b)));
                    }),
            row(
                    "GET /api/push/doorbells/{deviceId}",
                    Audience.MEMBERS,
                    200,
                    "whether this doorbell's rings push the caller",
                    (a, b, i) -> b.get("/api/push/doorbells/" + i.deviceId())),
            row(
                    "PUT /api/push/doorbells/{deviceId}",
                    Audience.MEMBERS,
                    204,
                    "this doorbell's rings push the caller (as they did)",
                    (a, b, i) -> send(b, "PUT", "/api/push/doorbells/" + i.deviceId(), Map.of("push", true))),
            row(
                    "GET /api/devices/{id}/settings",
                    Audience.ADMINS,
                    200,
                    "the doorbell's name, confirmed motion setting and retention",
                    (a, b, i) -> b.get("/api/devices/" + i.deviceId() + "/settings")),
            refusedAfterAuthorization(
                    "PUT /api/devices/{id}/name",
                    Audience.ADMINS,
                    400,
                    "A doorbell name has 1 to 64 characters",
                    "authorized, then refused: an empty name (a rename is DoorbellSettingsTest's)",
                    (a, b, i) -> send(b, "PUT", "/api/devices/" + i.deviceId() + "/name", Map.of("name", " "))),
            row(
                    "PUT /api/devices/{id}/retention",
                    Audience.ADMINS,
                    200,
                    "the doorbell's history follows the household's retention (the default)",
                    (a, b, i) -> send(b, "PUT", "/api/devices/" + i.deviceId() + "/retention", Map.of())),
            row(
                    "POST /api/devices/{deviceId}/door/nonce",
                    Audience.MEMBERS,
                    200,
                    "a nonce issued by the doorbell",
                    (a, b, i) -> send(b, "POST", "/api/devices/" + i.deviceId() + "/door/nonce", Map.of())),
            row(
                    "POST /api/devices/{deviceId}/door/open",
                    Audience.MEMBERS,
                    200,
                    "the door opens: a fresh nonce, signed by the member's own browser in the roster",
                    (a, b, i) -> {
                        BrowserClient.Response nonce =
                                send(b, "POST", "/api/devices/" + i.deviceId() + "/door/nonce", Map.of());
                        String value = nonce.status() == 200
                                ? nonce.json().get("nonce").stringValue()
                                : UNKNOWN;
                        String statement = DoorCommands.statement(i.deviceId(), value, Instant.now());
                        return send(
                                b,
                                "POST",
                                "/api/devices/" + i.deviceId() + "/door/open",
                                Map.of(
                                        "statement",
                                        statement,
                                        "signature",
                                        sign(b, statement),
                                        "signerPublicKey",
                                        publicKey(b)));
                    }),
            row(
                    "GET /api/devices/{deviceId}/events/{eventId}/{kind}",
                    Audience.MEMBERS,
                    200,
                    "the sealed snapshot",
                    (a, b, i) -> b.get("/api/devices/" + i.deviceId() + "/events/" + i.eventId() + "/snapshot")),
            row(
                    "GET /api/devices/{deviceId}/media-keys/{epoch}",
                    Audience.MEMBERS,
                    200,
                    "the key envelope for the caller's own browser",
                    (a, b, i) -> b.get("/api/devices/" + i.deviceId() + "/media-keys/" + i.epoch() + "?clientId="
                            + (b.clientId() == null ? UNKNOWN : b.clientId()))),
            row(
                    "GET /api/households/{householdId}/integrations/mqtt",
                    Audience.ADMINS,
                    200,
                    "the household's MQTT settings (none yet)",
                    (a, b, i) -> b.get("/api/households/" + i.householdId() + "/integrations/mqtt")),
            refusedAfterAuthorization(
                    "PUT /api/households/{householdId}/integrations/mqtt",
                    Audience.ADMINS,
                    400,
                    "The broker's host name or address is needed",
                    "authorized, then refused: no broker host (connecting is MqttIntegrationTest's)",
                    (a, b, i) -> send(
                            b,
                            "PUT",
                            "/api/households/" + i.householdId() + "/integrations/mqtt",
                            Map.of("port", 8883))),
            row(
                    "DELETE /api/households/{householdId}/integrations/mqtt",
                    Audience.ADMINS,
                    204,
                    "the household's MQTT integration off (it was not on)",
                    (a, b, i) -> send(b, "DELETE", "/api/households/" + i.householdId() + "/integrations/mqtt", null)),
            row(
                    "GET /api/households/{householdId}/integrations/ntfy",
                    Audience.MEMBERS,
                    200,
                    "the member's own ntfy topic (none)",
                    (a, b, i) -> b.get("/api/households/" + i.householdId() + "/integrations/ntfy")),
            refusedAfterAuthorization(
                    "PUT /api/households/{householdId}/integrations/ntfy",
                    Audience.MEMBERS,
                    400,
                    "Only https topic URLs are allowed",
                    "authorized, then refused: a plain-http URL (setting one is NtfyAndChimeTest's)",
                    (a, b, i) -> send(
                            b,
                            "PUT",
                            "/api/households/" + i.householdId() + "/integrations/ntfy",
                            Map.of("url", "http://ntfy.example/topic"))),
            row(
                    "DELETE /api/households/{householdId}/integrations/ntfy",
                    Audience.MEMBERS,
                    204,
                    "the member's own topic removed (there was none)",
                    (a, b, i) -> send(b, "DELETE", "/api/households/" + i.householdId() + "/integrations/ntfy", null)),
            row(
                    "POST /api/devices/{deviceId}/chime/silence",
                    Audience.MEMBERS,
                    202,
                    "carried to the doorbell: 0 minutes, the chime rings as before",
                    (a, b, i) ->
                            send(b, "POST", "/api/devices/" + i.deviceId() + "/chime/silence", Map.of("minutes", 0))),
            row(
                    "GET /api/households/{householdId}/safety-check",
                    Audience.ADMINS,
                    200,
                    "the household's members, browsers, sessions and open invitations",
                    (a, b, i) -> b.get("/api/households/" + i.householdId() + "/safety-check")),
            row(
                    "DELETE /api/households/{householdId}/invitations/{invitationRef}",
                    Audience.ADMINS,
                    204,
                    "an open invitation revoked (each request aims at a fresh one; refs come from the owner's list)",
                    (a, b, i) -> send(
                            b,
                            "DELETE",
                            "/api/households/" + i.householdId() + "/invitations/"
                                    + (i.householdId().equals(UNKNOWN) ? UNKNOWN : freshInvitationRef()),
                            null)),
            row(
                    "DELETE /api/households/{householdId}/sessions/{sessionRef}",
                    Audience.ADMINS,
                    204,
                    "a resident's extra session ended (each request aims at a fresh one, never the fixture's)",
                    (a, b, i) -> send(
                            b,
                            "DELETE",
                            "/api/households/" + i.householdId() + "/sessions/"
                                    + (i.householdId().equals(UNKNOWN) ? UNKNOWN : freshResidentSessionRef()),
                            null)),
            row(
                    "DELETE /api/households/{householdId}/browsers/{clientId}",
                    Audience.ADMINS,
                    204,
                    "a resident's extra browser revoked (each request aims at a fresh one, never the fixture's)",
                    (a, b, i) -> send(
                            b,
                            "DELETE",
                            "/api/households/" + i.householdId() + "/browsers/"
                                    + (i.householdId().equals(UNKNOWN) ? UNKNOWN : freshResidentClientId()),
                            null)),
            refusedAfterAuthorization(
                    "POST /api/devices/{id}/release",
                    Audience.ADMINS,
                    400,
                    "Wrong password",
                    "authorized and well-formed, then refused for the wrong password (ReleaseTest releases)",
                    (a, b, i) -> {
                        String statement = "doorward-release:1:" + i.deviceId() + ":" + System.currentTimeMillis();
                        return send(
                                b,
                                "POST",
                                "/api/devices/" + i.deviceId() + "/release",
                                Map.of(
                                        "password",
                                        "not the password",
                                        "statement",
                                        statement,
                                        "signature",
                                        sign(b, statement),
                                        "signerPublicKey",
                                        publicKey(b)));
                    }),
            refusedAfterAuthorization(
                    "DELETE /api/households/{householdId}/members/{accountId}",
                    Audience.ADMINS,
                    400,
                    "The owner cannot be removed",
                    "authorized, then refused: the target is the owner (removal itself: the fixture's removed member)",
                    (a, b, i) -> send(
                            b,
                            "DELETE",
                            "/api/households/" + i.householdId() + "/members/" + i.ownerAccountId(),
                            null)),
            refusedAfterAuthorization(
                    "DELETE /api/account",
                    Audience.SIGNED_IN,
                    400,
                    "Wrong password",
                    "signed in, then refused for the wrong password (AccountDeletionTest deletes)",
                    (a, b, i) -> send(b, "DELETE", "/api/account", Map.of("password", "not the password"))),
            row(
                    "POST /api/households/{householdId}/rosters",
                    Audience.ADMINS,
                    201,
                    "the next roster, same members, signed by the caller's own approved browser",
                    RoleMatrixTest::submitRoster),
            row(
                    "DELETE /api/devices/{deviceId}/events/{eventId}",
                    Audience.ADMINS,
                    200,
                    "an event of the caller's own deleted (each allowed actor has a spare one; others aim at the"
                            + " event with media)",
                    (a, b, i) -> send(
                            b, "DELETE", "/api/devices/" + i.deviceId() + "/events/" + i.deletableEventFor(a), null)));

    @BeforeAll
    static void start() throws Exception {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
        Household owner = Household.firstOwner(hub);
        BrowserClient ownerBrowser = owner.browser();
        String householdId = owner.householdId();

        // A doorbell for the raw link part: claimed, then its agent is switched off.
        probe = hub.mintDevice("probe");
        DeviceAgent probeAgent = owner.claim(hub, probe);
        probeId = probeAgent.deviceId().orElseThrow();
        probeAgent.close();

        DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
        String deviceId = doorbell.deviceId().orElseThrow();

        Household admin = join(owner, "admin1", "admin");
        Household resident = join(owner, "resident1", "resident");
        Household guest = join(owner, "guest1", "guest");
        Household guestOutsideHours = join(owner, "guest2", "guest");
        Household residentElsewhere = join(owner, "resident2", "resident");
        Household removed = join(owner, "former1", "resident");
        BrowserClient removedBrowser = removed.browser();
        String removedId = accountId(removedBrowser);
        assertThat(send(ownerBrowser, "DELETE", "/api/households/" + householdId + "/members/" + removedId, null)
                        .status())
                .isEqualTo(204);
        // Removal signed it out of every browser; signed in again, it is a stranger to the household.
        assertThat(removedBrowser.login("former1", Household.PASSWORD).status()).isEqualTo(204);
        relaxThrottles();
        Household neighbour = Household.signUp(hub, "neighbour1");
        neighbour.browser().registerClient();

        rosterRoles.put(ownerBrowser.clientId(), "owner");
        rosterRoles.put(admin.browser().clientId(), "admin");
        rosterRoles.put(resident.browser().clientId(), "resident");
        rosterRoles.put(guest.browser().clientId(), "guest");
        rosterRoles.put(guestOutsideHours.browser().clientId(), "guest");
        rosterRoles.put(residentElsewhere.browser().clientId(), "resident");
        // Hours that closed an hour ago and open again in 22 hours; another doorbell (one that does not exist).
        int hour = java.time.Instant.now().atOffset(java.time.ZoneOffset.UTC).getHour();
        int closedStart = ((hour + 22) % 24) * 60;
        rosterAccess.add(new Roster.Access(
                guestOutsideHours.browser().clientId(),
                List.of(),
                new Roster.Schedule(0b1111111, closedStart, closedStart + 60, 0)));
        rosterAccess.add(new Roster.Access(residentElsewhere.browser().clientId(), List.of(UNKNOWN), null));
        // The plain guest has hours too, open now (every day, all day): a guest inside their schedule.
        rosterAccess.add(
                new Roster.Access(guest.browser().clientId(), List.of(), new Roster.Schedule(0b1111111, 0, 1440, 0)));
        rosterAccess.sort(Comparator.comparing(Roster.Access::clientId));
        BrowserClient.Response roster = ownerBrowser.signRoster(householdId, rosterRoles, rosterAccess);
        assertThat(roster.status()).as(roster.body()).isEqualTo(201);
        assertThat(await(() ->
                        doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                .isTrue();
        Thread.sleep(1_000); // a second of frames for the clip

        String withMedia = doorbell.pressButton().orElseThrow();
        Thread.sleep(300);
        String spareForOwner = doorbell.pressButton().orElseThrow();
        Thread.sleep(300);
        String spareForAdmin = doorbell.pressButton().orElseThrow();
        assertThat(await(() ->
                        mediaCount(ownerBrowser, householdId, Set.of(withMedia, spareForOwner, spareForAdmin)) == 6))
                .as("three events with snapshot and clip")
                .isTrue();
        long epoch = hub.bean(EventMediaStore.class)
                .find(deviceId, withMedia, EventMediaKind.SNAPSHOT)
                .orElseThrow()
                .epoch();

        String handle = ownerBrowser
                .startClaim(householdId, "1357924680")
                .json()
                .get("handle")
                .stringValue();
        for (JsonNode device : ownerBrowser.get("/api/devices").json()) {
            if (device.get("id").stringValue().equals(deviceId)) {
                hubCaFingerprint = device.get("hubCaFingerprint").stringValue();
                deviceLinkUrl = URI.create(device.get("deviceLinkUrl").stringValue());
            }
        }

        ids = new Ids(
                householdId,
                deviceId,
                withMedia,
                handle,
                accountId(ownerBrowser),
                epoch,
                Map.of(Actor.OWNER, spareForOwner, Actor.ADMIN, spareForAdmin));
        browsers.put(Actor.ANONYMOUS, hub.browser());
        browsers.put(Actor.NEIGHBOUR, neighbour.browser());
        browsers.put(Actor.GUEST, guest.browser());
        browsers.put(Actor.RESIDENT, resident.browser());
        browsers.put(Actor.ADMIN, admin.browser());
        browsers.put(Actor.OWNER, ownerBrowser);
        browsers.put(Actor.REMOVED, removedBrowser);
        browsers.put(Actor.GUEST_OUTSIDE_HOURS, guestOutsideHours.browser());
        browsers.put(Actor.RESIDENT_OTHER_DOORBELL, residentElsewhere.browser());
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void everyRouteHasARowAndEveryRowARoute() {
        List<String> rows = ROWS.stream().map(Row::route).toList();
        assertThat(rows).doesNotHaveDuplicates();
        assertThat(rows)
                .as("the matrix rows are the routes of RoutePolicy.POLICY")
                .containsExactlyInAnyOrderElementsOf(RoutePolicy.POLICY.keySet());
        assertThat(rows)
                .as("the matrix rows are the routes the hub serves")
                .containsExactlyInAnyOrderElementsOf(RoutePolicy.routesServedBy(hub));
    }

    @Test
    void everyActorGetsExactlyWhatThePolicySaysOnEveryRoute() {
        List<String> mismatches = new ArrayList<>();
        StringBuilder table = new StringBuilder("route | ");
        for (Actor actor : Actor.values()) {
            table.append(actor).append(" | ");
        }
        table.append('\n');
        for (Row row : ROWS) {
            table.append(row.route()).append(" | ");
            for (Actor actor : Actor.values()) {
                Outcome expected = row.expectedFor(actor);
                BrowserClient browser = browsers.get(actor);
                relaxThrottles();
                BrowserClient.Response response = row.call().send(actor, browser, ids);
                BrowserClient.Response baseline = null;
                if (expected == Outcome.DENIED_AS_UNKNOWN || response.status() == 404) {
                    relaxThrottles();
                    baseline = row.call().send(actor, browser, Ids.unknown(ids.epoch()));
                }
                Optional<Outcome> got = classify(row, response, baseline);
                table.append(got.map(Enum::name).orElse("?" + response.status()))
                        .append(got.isPresent() && got.get() == expected ? "" : " (expected " + expected + ")")
                        .append(" | ");
                if (got.isEmpty() || got.get() != expected) {
                    mismatches.add(row.route() + " | " + actor + " | expected " + expected
                            + (expected == Outcome.ALLOWED
                                    ? " (" + row.allowedStatus() + ": " + row.allowedMeans() + ")"
                                    : "")
                            + " | got " + response.status() + " " + abbreviate(response.body()));
                }
            }
            table.append('\n');
        }
        System.out.println("Role matrix (issue 6)\n" + table);
        assertThat(mismatches)
                .as("routes that do not behave as their policy says")
                .isEmpty();
    }

    private static Optional<Outcome> classify(
            Row row, BrowserClient.Response response, BrowserClient.Response baseline) {
        if (response.status() == 401) {
            return Optional.of(Outcome.UNAUTHENTICATED);
        }
        if (response.status() == 404
                && baseline != null
                && baseline.status() == 404
                && withoutInstance(response).equals(withoutInstance(baseline))) {
            return Optional.of(Outcome.DENIED_AS_UNKNOWN);
        }
        if (response.status() == row.allowedStatus()
                && (row.allowedDetail() == null || response.body().contains(row.allowedDetail()))) {
            return Optional.of(Outcome.ALLOWED);
        }
        return Optional.empty();
    }

    // ---- device link

    /** Types a device may send that still do not belong on an owned, welcomed link. */
    private static final Set<MessageType> NOT_ON_AN_OWNED_LINK = EnumSet.of(
            MessageType.HELLO, MessageType.CLAIM_REQUEST, MessageType.CLAIM_CONFIRM, MessageType.CLAIM_REFUSED);

    @Test
    void anOwnedDoorbellMaySendOnlyWhatADeviceSendsOnAnOwnedLink() {
        Map<MessageType, LinkMessage> samples = linkSamples(probeId);
        List<String> mismatches = new ArrayList<>();
        StringBuilder table = new StringBuilder("type | sent by device | expected | got\n");
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            assertThat(link.exchange(LinkCodec.encode(samples.get(MessageType.HELLO))))
                    .contains("\"type\":\"welcome\"");
            long sequence = 1000;
            for (MessageType type : MessageType.values()) {
                LinkMessage sample = samples.get(type);
                if (sample == null) {
                    mismatches.add(type + ": no sample message in RoleMatrixTest.linkSamples");
                    continue;
                }
                boolean refused = !type.sentByDevice() || NOT_ON_AN_OWNED_LINK.contains(type);
                link.send(LinkCodec.encode(sample));
                // Follow with a heartbeat: everything the hub answers up to its ack is the answer to the sample.
                long seq = ++sequence;
                link.send(LinkCodec.encode(new LinkMessage.Heartbeat(seq)));
                List<String> errors = new ArrayList<>();
                boolean acked = false;
                while (!acked) {
                    Optional<String> next = link.next(Duration.ofSeconds(5));
                    if (next.isEmpty()) {
                        break;
                    }
                    JsonNode message = JSON.readTree(next.get());
                    String kind = message.path("type").asString("");
                    if (kind.equals("error")) {
                        errors.add(message.path("body").path("code").asString(""));
                    } else if (kind.equals("heartbeat-ack")
                            && message.path("body").path("seq").asLong() == seq) {
                        acked = true;
                    }
                }
                String expected = refused ? "not-allowed" : "passes";
                String got = !acked
                        ? "no heartbeat-ack (link closed?)"
                        : errors.contains("not-allowed")
                                ? "not-allowed"
                                : errors.isEmpty() ? "passes" : "passes " + errors;
                boolean ok =
                        acked && (refused ? errors.equals(List.of("not-allowed")) : !errors.contains("not-allowed"));
                table.append(type.wireName())
                        .append(" | ")
                        .append(type.sentByDevice())
                        .append(" | ")
                        .append(expected)
                        .append(" | ")
                        .append(got)
                        .append('\n');
                if (!ok) {
                    mismatches.add(type.wireName() + " | expected " + expected + " | got " + got + " " + errors);
                }
            }
        }
        System.out.println("Device link matrix (owned link)\n" + table);
        assertThat(mismatches).isEmpty();
    }

    /** One valid message of every type (valid, so that only direction and state can refuse it). */
    static Map<MessageType, LinkMessage> linkSamples(String deviceId) {
        String eventId = "RoleMatrixEvent0000001";
        String requestId = "RoleMatrixRequest00001";
        String pem = """
                -----BEGIN CERTIFICATE-----
                MIIBfzCCASWgAwIBAgIUQ2V4YW1wbGVfbm90X2FfcmVhbF9jZXJ0MAoGCCqGSM49
                BAMCMBUxEzARBgNVBAMMCkRvb3J3YXJkIENBMB4XDTI0MDYwMTAwMDAwMFoXDTM0
                -----END CERTIFICATE-----
                """;
        List<LinkMessage> all = List.of(
                new LinkMessage.Hello(List.of(1), "doorward-device/0.1.0", LinkMessage.Mode.NORMAL),
                new LinkMessage.Heartbeat(42),
                LinkMessage.ClaimRequest.of(requestId, bytes(16), bytes(256)),
                LinkMessage.ClaimConfirm.of(bytes(32)),
                new LinkMessage.DeviceEvent(eventId, EventKind.TAMPER, System.currentTimeMillis(), "role matrix"),
                new LinkMessage.RenewCertificate(),
                new LinkMessage.RosterStatus(1),
                new LinkMessage.RosterRefused(1, "role matrix"),
                LinkMessage.MediaKey.of(1_800_000_000L, requestId, 16, bytes(91), bytes(12), bytes(48)),
                new LinkMessage.DoorNonce(requestId, requestId),
                new LinkMessage.MediaUpload(eventId, EventMediaKind.CLIP, 1_000),
                new LinkMessage.DoorResult(requestId, false, "role matrix"),
                new LinkMessage.RosterUpdate("doorward-roster:1\nhousehold:x", "c2ln", "a2V5"),
                new LinkMessage.DoorNonceRequest(requestId),
                new LinkMessage.DoorOpen(
                        requestId,
                        "doorward-door:1:" + deviceId + ":open:" + requestId + ":1767225600000",
                        "c2ln",
                        "a2V5"),
                new LinkMessage.MediaStored(eventId, EventMediaKind.SNAPSHOT),
                new LinkMessage.Live(2),
                new LinkMessage.ChimeSilence(60),
                new LinkMessage.Welcome(1, deviceId, 30),
                new LinkMessage.HeartbeatAck(42),
                LinkMessage.ClaimChallenge.of(bytes(256), bytes(32)),
                new LinkMessage.ClaimAccepted(deviceId, pem, pem.replace("MIIB", "MIIC")),
                new LinkMessage.EventAck(eventId),
                new LinkMessage.CertificateRenewed(pem),
                new LinkMessage.ResetVeto(),
                LinkMessage.Release.of("doorward-release:1:" + deviceId + ":1767225600000", bytes(64), bytes(91)),
                new LinkMessage.SetCoolingOff(
                        "doorward-cooling-off:1:" + deviceId + ":1767225600000:259200", "c2ln", "a2V5"),
                new LinkMessage.SetMotion("doorward-motion:1:" + deviceId + ":1767225600000:off", "c2ln", "a2V5"),
                new LinkMessage.ClaimRefused(LinkMessage.ClaimRefusal.WRONG_CODE),
                new LinkMessage.LinkError(ErrorCode.MALFORMED, "role matrix"));
        Map<MessageType, LinkMessage> samples = new EnumMap<>(MessageType.class);
        for (LinkMessage message : all) {
            MessageType type = java.util.Arrays.stream(MessageType.values())
                    .filter(t -> t.wireName().equals(message.type()))
                    .findFirst()
                    .orElseThrow();
            samples.put(type, message);
        }
        return samples;
    }

    // ---- throwaway targets for the safety-check routes (the owner's view finds their refs)

    private static JsonNode safetyCheck() {
        BrowserClient.Response list =
                browsers.get(Actor.OWNER).get("/api/households/" + ids.householdId() + "/safety-check");
        assertThat(list.status()).as(list.body()).isEqualTo(200);
        return list.json();
    }

    /** A new invitation made by the owner; its ref is the newest open one. */
    private static String freshInvitationRef() {
        BrowserClient owner = browsers.get(Actor.OWNER);
        assertThat(send(owner, "POST", "/api/households/" + ids.householdId() + "/invitations", Map.of("role", "guest"))
                        .status())
                .isEqualTo(201);
        JsonNode invitations = safetyCheck().get("invitations");
        return invitations.get(invitations.size() - 1).get("invitationRef").stringValue();
    }

    /** The resident signs in once more in another browser; that session's ref. */
    private static String freshResidentSessionRef() {
        relaxThrottles();
        BrowserClient extra = hub.browser();
        assertThat(extra.login("resident1", Household.PASSWORD).status()).isEqualTo(204);
        String newest = null;
        String ref = null;
        for (JsonNode session : safetyCheck().get("sessions")) {
            String at = session.get("signedInAt").stringValue();
            if (session.get("username").stringValue().equals("resident1")
                    && (newest == null || Instant.parse(at).isAfter(Instant.parse(newest)))) {
                newest = at;
                ref = session.get("sessionRef").stringValue();
            }
        }
        return ref;
    }

    /** The resident registers one more browser; its client id. */
    private static String freshResidentClientId() {
        relaxThrottles();
        BrowserClient extra = hub.browser();
        assertThat(extra.login("resident1", Household.PASSWORD).status()).isEqualTo(204);
        extra.registerClient();
        return extra.clientId();
    }

    // ---- helpers

    /** A request as the web app sends it (CSRF header from the cookie, JSON body). */
    static BrowserClient.Response send(BrowserClient browser, String method, String path, Object body) {
        if (browser.csrfToken().isEmpty()) {
            browser.get("/api/session");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(browser.base().resolve(path))
                .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow());
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return browser.sendRaw(request.build());
    }

    /** What an admin's web app does: the next roster (same members), signed by this browser's key. */
    private static BrowserClient.Response submitRoster(Actor actor, BrowserClient browser, Ids ids) {
        String path = "/api/households/" + ids.householdId() + "/rosters";
        BrowserClient.Response viewResponse = browser.get("/api/households/" + ids.householdId() + "/roster");
        if (viewResponse.status() != 200 || browser.clientId() == null) {
            // Cannot even see the roster: post one that names the household anyway.
            String text = "doorward-roster:1\nhousehold:" + ids.householdId();
            return send(
                    browser,
                    "POST",
                    path,
                    Map.of("text", text, "signature", sign(browser, text), "signerPublicKey", publicKey(browser)));
        }
        JsonNode view = viewResponse.json();
        List<Roster.Member> members = new ArrayList<>();
        for (JsonNode client : view.get("clients")) {
            String role = rosterRoles.get(client.get("clientId").stringValue());
            if (role != null) {
                members.add(new Roster.Member(
                        client.get("clientId").stringValue(),
                        Roster.Role.fromWire(role),
                        client.get("signingKeyFingerprint").stringValue(),
                        client.get("signingKey").stringValue(),
                        client.get("agreementKey").stringValue(),
                        null));
            }
        }
        members.sort(Comparator.comparing(Roster.Member::clientId));
        long epoch = view.get("epoch").asLong() + 1;
        String previous = epoch == 1
                ? Roster.NO_PREVIOUS
                : Hashes.sha256Base64Url(view.get("text").stringValue().getBytes(StandardCharsets.UTF_8));
        List<Roster.Access> access = rosterAccess.stream()
                .filter(a -> members.stream().anyMatch(m -> m.clientId().equals(a.clientId())))
                .toList();
        String text =
                new Roster(ids.householdId(), epoch, previous, System.currentTimeMillis(), members, access).text();
        return send(
                browser,
                "POST",
                path,
                Map.of("text", text, "signature", sign(browser, text), "signerPublicKey", publicKey(browser)));
    }

    private static Map<String, String> freshClientKeys() {
        Base64.Encoder b64 = Base64.getEncoder();
        return Map.of(
                "signingKey",
                b64.encodeToString(
                        KeyPairs.newP256(new SecureRandom()).getPublic().getEncoded()),
                "agreementKey",
                b64.encodeToString(
                        KeyPairs.newP256(new SecureRandom()).getPublic().getEncoded()),
                "label",
                "role matrix");
    }

    /** Signs with the browser's own key; one without a registered key (anonymous) signs with a stranger's. */
    private static String sign(BrowserClient browser, String statement) {
        if (browser.clientId() != null) {
            return browser.signWithClientKey(statement);
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Signatures.sign(STRANGER_KEY.getPrivate(), statement.getBytes(StandardCharsets.UTF_8)));
    }

    private static String publicKey(BrowserClient browser) {
        if (browser.clientId() != null) {
            return browser.clientPublicKey();
        }
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(STRANGER_KEY.getPublic().getEncoded());
    }

    /** Throttles are WebSecurityTest's subject: here every request is judged on authorization alone. */
    private static void relaxThrottles() {
        RateLimiter limiter = hub.bean(RateLimiter.class);
        for (String address : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1")) {
            for (RateLimit limit : List.of(
                    RateLimit.LOGIN_PER_ADDRESS,
                    RateLimit.SIGNUP_PER_ADDRESS,
                    RateLimit.SETUP_PER_ADDRESS,
                    RateLimit.ONE_TIME_SECRETS_PER_ADDRESS)) {
                limiter.reset(limit, address);
            }
        }
        for (String username :
                List.of("owner", "admin1", "resident1", "guest1", "guest2", "resident2", "former1", "neighbour1")) {
            limiter.reset(RateLimit.LOGIN_PER_ACCOUNT, username);
            for (String address : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1")) {
                limiter.reset(RateLimit.LOGIN_PER_ADDRESS_AND_ACCOUNT, address + '|' + username);
            }
        }
    }

    private static Household join(Household owner, String username, String role) {
        BrowserClient.Response invitation = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", role));
        assertThat(invitation.status()).as(invitation.body()).isEqualTo(201);
        String link = invitation.json().get("link").stringValue();
        relaxThrottles();
        Household member = Household.signUp(hub, username);
        BrowserClient.Response accepted = member.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        member.browser().registerClient();
        return member;
    }

    private static String accountId(BrowserClient browser) {
        return browser.get("/api/session").json().get("accountId").stringValue();
    }

    private static int mediaCount(BrowserClient browser, String householdId, Set<String> eventIds) {
        int count = 0;
        for (JsonNode e : browser.get("/api/events?householdId=" + householdId).json()) {
            if (eventIds.contains(e.get("id").stringValue())) {
                count += e.get("media").size();
            }
        }
        return count;
    }

    private static String withoutInstance(BrowserClient.Response response) {
        try {
            JsonNode json = response.json();
            if (json instanceof ObjectNode problem) {
                problem.remove("instance");
                return problem.toString();
            }
            return json.toString();
        } catch (RuntimeException e) {
            return response.body();
        }
    }

    private static String abbreviate(String body) {
        return body == null ? "" : body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + length);
        }
        return bytes;
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}

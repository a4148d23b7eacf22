package dev.doorward.hub.push;

import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.webpush.PushEncryption;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.roster.Rosters;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.Roster;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web app's push routes (contract: docs/notifications.md): the VAPID key to subscribe with, one
 * subscription per browser client of the caller's that is approved in one of their households, the caller's
 * choice of motion pushes, and which doorbells' rings and motion push them.
 */
@RestController
class PushController {
    /** A browser's subscription JSON is about 250 bytes with the longest endpoints seen; this leaves room. */
    static final int MAX_BODY_BYTES = 2048;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> SUBSCRIPTION_FIELDS = Set.of("endpoint", "keys", "expirationTime");

    private final VapidKey vapid;
    private final PushSubscriptions subscriptions;
    private final PushEndpoints endpoints;
    private final MemberClients clients;
    private final Households households;
    private final Rosters rosters;
    private final RateLimiter limiter;
    private final Devices devices;
    private final MemberAccess access;

    PushController(
            VapidKey vapid,
            PushSubscriptions subscriptions,
            PushEndpoints endpoints,
            MemberClients clients,
            Households households,
            Rosters rosters,
            RateLimiter limiter,
            Devices devices,
            MemberAccess access) {
        this.devices = devices;
        this.access = access;
        this.vapid = vapid;
        this.subscriptions = subscriptions;
        this.endpoints = endpoints;
        this.clients = clients;
        this.households = households;
        this.rosters = rosters;
        this.limiter = limiter;
    }

    /** Another account's browser, or one of the caller's not approved in any of their households. */
    static final class NotYourApprovedBrowser extends RuntimeException {
        NotYourApprovedBrowser() {
            super("not allowed", null, false, false);
        }
    }

    @ExceptionHandler(NotYourApprovedBrowser.class)
    ProblemDetail notYours(NotYourApprovedBrowser e) {
        return ProblemDetail.forStatusAndDetail(
                HttpStatus.FORBIDDEN, "Only a browser of yours that a household admin approved can receive pushes");
    }

    @GetMapping("/api/push/key")
    Map<String, String> key() {
        return Map.of("publicKey", vapid.publicKey());
    }

    @PutMapping("/api/push/subscriptions/{clientId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void subscribe(
            @AuthenticationPrincipal SignedInAccount account, @PathVariable String clientId, HttpServletRequest request)
            throws IOException {
        TooManyRequests.check(limiter, RateLimit.PUSH_SUBSCRIPTIONS, account.id());
        // The body first: a malformed one is refused the same way whoever asks, and says nothing about the id.
        JsonNode body = readBody(request);
        for (String field : body.propertyNames()) {
            if (!SUBSCRIPTION_FIELDS.contains(field)) {
                throw new InvalidInput(
                        "Unknown field in the subscription: " + field.substring(0, Math.min(32, field.length())));
            }
        }
        String endpoint = text(body, "endpoint");
        JsonNode keys = body.get("keys");
        if (keys == null || !keys.isObject() || keys.size() != 2) {
            throw new InvalidInput("The subscription needs keys.p256dh and keys.auth and nothing else");
        }
        String p256dh = text(keys, "p256dh");
        String auth = text(keys, "auth");
        try {
            P256Points.decode(base64Url(p256dh));
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("keys.p256dh must be an uncompressed P-256 point, base64url");
        }
        byte[] authBytes = base64Url(auth);
        if (authBytes == null || authBytes.length != PushEncryption.AUTH_SECRET_BYTES) {
            throw new InvalidInput("keys.auth must be 16 bytes, base64url");
        }
        try {
            endpoints.check(endpoint);
        } catch (PushEndpoints.Refused e) {
            throw new InvalidInput(e.getMessage());
        }
        requireApprovedBrowserOf(account, clientId);
        subscriptions.save(clientId, endpoint, p256dh, auth);
    }

    @DeleteMapping("/api/push/subscriptions/{clientId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void unsubscribe(@AuthenticationPrincipal SignedInAccount account, @PathVariable String clientId) {
        TooManyRequests.check(limiter, RateLimit.PUSH_SUBSCRIPTIONS, account.id());
        // Any browser of one's own, approved or not any more: stopping pushes is always allowed.
        if (!ownsClient(account, clientId)) {
            throw new NotYourApprovedBrowser();
        }
        subscriptions.delete(clientId);
    }

    record Preferences(boolean motion) {}

    @GetMapping("/api/push/preferences")
    Preferences preferences(@AuthenticationPrincipal SignedInAccount account) {
        return new Preferences(subscriptions.wantsMotion(account.id()));
    }

    @PutMapping("/api/push/preferences")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void setPreferences(@AuthenticationPrincipal SignedInAccount account, HttpServletRequest request)
            throws IOException {
        JsonNode body = readBody(request);
        JsonNode motion = body.get("motion");
        if (body.size() != 1 || motion == null || !motion.isBoolean()) {
            throw new InvalidInput("Preferences are {\"motion\": true or false}");
        }
        subscriptions.setMotion(account.id(), motion.booleanValue());
    }

    /** Whether this doorbell's rings and motion push the caller's browsers (alerts always do). */
    record DoorbellPush(boolean push) {}

    /** A doorbell the caller may use; anything else is the same 404 as an unknown id. */
    private String usableDoorbell(SignedInAccount account, String deviceId) {
        Devices.Device device = devices.byId(deviceId).orElseThrow(NotFound::new);
        // A member of its household (access lines only narrow what a member may use).
        if (households.roleOf(account.id(), device.householdId()).isEmpty()
                || !access.allows(account.id(), device.householdId(), device.id())) {
            throw new NotFound();
        }
        return device.id();
    }

    @GetMapping("/api/push/doorbells/{deviceId}")
    DoorbellPush doorbellPush(@AuthenticationPrincipal SignedInAccount account, @PathVariable String deviceId) {
        return new DoorbellPush(!subscriptions.muted(account.id(), usableDoorbell(account, deviceId)));
    }

    @PutMapping("/api/push/doorbells/{deviceId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void setDoorbellPush(
            @AuthenticationPrincipal SignedInAccount account, @PathVariable String deviceId, HttpServletRequest request)
            throws IOException {
        String device = usableDoorbell(account, deviceId);
        JsonNode body = readBody(request);
        JsonNode push = body.get("push");
        if (body.size() != 1 || push == null || !push.isBoolean()) {
            throw new InvalidInput("This doorbell's pushes are {\"push\": true or false}");
        }
        subscriptions.setMuted(account.id(), device, !push.booleanValue());
    }

    private boolean ownsClient(SignedInAccount account, String clientId) {
        return clients.ofAccount(account.id()).stream().anyMatch(c -> c.id().equals(clientId));
    }

    private void requireApprovedBrowserOf(SignedInAccount account, String clientId) {
        if (!ownsClient(account, clientId)) {
            throw new NotYourApprovedBrowser();
        }
        boolean approved = households.membershipsOf(account.id()).stream()
                .anyMatch(m -> rosters.latest(m.householdId())
                        .map(r -> Roster.parse(r.text()).member(clientId).isPresent())
                        .orElse(false));
        if (!approved) {
            throw new NotYourApprovedBrowser();
        }
    }

    private static JsonNode readBody(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > MAX_BODY_BYTES) {
            throw new InvalidInput("The request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        byte[] raw;
        try (InputStream in = request.getInputStream()) {
            raw = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (raw.length > MAX_BODY_BYTES) {
            throw new InvalidInput("The request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (JacksonException e) {
            throw new InvalidInput("The request body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidInput("The request body must be a JSON object");
        }
        return node;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new InvalidInput("'" + field + "' is missing or not a string");
        }
        return value.stringValue();
    }

    private static byte[] base64Url(String value) {
        try {
            return Base64.getUrlDecoder().decode(value.replace("=", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

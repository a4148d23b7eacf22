package dev.doorward.hub.policy;

import dev.doorward.hub.testing.TestHub;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every HTTP route the hub serves, with who may use it. A new route must be added here with its checks:
 * {@code WebSecurityTest.everyRouteHasAPolicy} fails for a route without a policy, and {@link RoleMatrixTest}
 * fails for a route without a row in its role matrix.
 */
public final class RoutePolicy {
    private RoutePolicy() {}

    /** "VERB /pattern" to who may use it. */
    public static final Map<String, String> POLICY = Map.ofEntries(
            Map.entry("GET /api/session", "anyone (says whether signed in)"),
            Map.entry("GET /api/health", "anyone; says only up/degraded and whether the database answers"),
            Map.entry("POST /api/setup", "anyone holding the one-time setup token, only while no account exists"),
            Map.entry("POST /api/accounts", "anyone, only when open sign-up is on"),
            Map.entry("GET /api/devices", "signed in; lists only the account's households' devices"),
            Map.entry("POST /api/devices/{id}/veto-reset", "owner or admin of the device's household"),
            Map.entry("POST /api/claims", "owner or admin of the household"),
            Map.entry("GET /api/claims/{handle}", "the account that started the claim"),
            Map.entry("GET /api/events", "member of the household"),
            Map.entry("GET /api/audit", "owner or admin of the household"),
            Map.entry("POST /api/clients", "signed in; registers this browser's public keys for the signed-in account"),
            Map.entry(
                    "POST /api/devices/{id}/release",
                    "owner or admin of the household, password again, own browser key; the doorbell checks the signature"),
            Map.entry(
                    "POST /api/devices/{id}/move-code",
                    "owner or admin of the household, signed by their own browser key"),
            Map.entry(
                    "POST /api/devices/{id}/cooling-off",
                    "owner or admin of the household, signed by their own browser key"),
            Map.entry(
                    "POST /api/devices/{id}/motion",
                    "owner or admin of the household, signed by their own browser key; the doorbell checks it"),
            Map.entry("GET /api/devices/{id}/settings", "owner or admin of the device's household"),
            Map.entry("GET /api/push/doorbells/{deviceId}", "member who may use the doorbell; their own choice"),
            Map.entry("PUT /api/push/doorbells/{deviceId}", "member who may use the doorbell; their own choice"),
            Map.entry("PUT /api/devices/{id}/name", "owner or admin of the device's household"),
            Map.entry("PUT /api/devices/{id}/retention", "owner or admin of the device's household"),
            Map.entry("GET /api/households/{householdId}/members", "member of the household"),
            Map.entry("POST /api/households/{householdId}/invitations", "owner or admin of the household"),
            Map.entry("POST /api/invitations/accept", "signed in, holding an unused, unexpired invitation token"),
            Map.entry("DELETE /api/households/{householdId}/members/{accountId}", "owner or admin; never the owner"),
            Map.entry("GET /api/clients", "signed in; lists the account's own browsers"),
            Map.entry("PUT /api/clients/{clientId}/label", "signed in; renames one of the account's own browsers"),
            Map.entry(
                    "POST /api/invitations/sign-up",
                    "anyone holding an unused, unexpired invitation token (even with open sign-up off); rate-limited"
                            + " per address (AccountSafetyTest)"),
            Map.entry(
                    "PUT /api/account/password",
                    "signed in; the current password again (sign-in allowances); ends the account's other sessions"),
            Map.entry("GET /api/account/sessions", "signed in; the account's own sessions, by opaque reference"),
            Map.entry(
                    "DELETE /api/account/sessions/{sessionRef}",
                    "signed in; ends one of the account's own sessions (idempotent: another's reference ends nothing)"),
            Map.entry("GET /api/account/passkeys", "signed in; the account's own passkeys"),
            Map.entry(
                    "DELETE /api/account/passkeys/{credential}",
                    "signed in; removes one of the account's own passkeys (idempotent: another's id removes nothing)"),
            Map.entry(
                    "POST /api/households/{householdId}/members/{accountId}/recovery-link",
                    "owner or admin; never for the owner, the caller, an admin (unless the owner asks) or an account"
                            + " with power in another household"),
            Map.entry(
                    "POST /api/recovery",
                    "anyone holding an unused, unexpired re-entry link token; rate-limited per address"),
            Map.entry(
                    "POST /api/recovery/owner",
                    "anyone holding the account's recovery code with its username; rate-limited per address"),
            Map.entry(
                    "DELETE /api/account",
                    "signed in; the account's own password again (step-up, its own allowance); deletes only itself"),
            Map.entry(
                    "GET /api/households/{householdId}/roster",
                    "member of the household (RosterTest: outsider 404, anonymous 401)"),
            Map.entry(
                    "POST /api/households/{householdId}/rosters",
                    "owner or admin, signed by their own approved browser; the doorbells verify it (RosterTest)"),
            Map.entry(
                    "POST /api/devices/{deviceId}/door/nonce",
                    "member of the device's household (DoorReleaseTest: outsider 404, anonymous 401)"),
            Map.entry(
                    "POST /api/devices/{deviceId}/door/open",
                    "member of the device's household; the doorbell checks the signature against its roster"),
            Map.entry(
                    "GET /api/devices/{deviceId}/events/{eventId}/{kind}",
                    "member of the device's household; audited, rate-limited (EventMediaTest: serial-number attack)"),
            Map.entry(
                    "GET /api/devices/{deviceId}/media-keys/{epoch}",
                    "member of the device's household, for one of the account's own browsers (EventMediaTest)"),
            Map.entry(
                    "DELETE /api/devices/{deviceId}/events/{eventId}",
                    "owner or admin of the device's household (EventMediaTest)"),
            Map.entry("PUT /api/households/{householdId}/retention", "owner or admin of the household"),
            Map.entry(
                    "GET /api/households/{householdId}/safety-check",
                    "owner or admin of the household (members, browsers, sessions, open invitations)"),
            Map.entry(
                    "DELETE /api/households/{householdId}/invitations/{invitationRef}",
                    "owner or admin of the household"),
            Map.entry(
                    "DELETE /api/households/{householdId}/sessions/{sessionRef}",
                    "owner or admin of the household; only the owner ends the owner's sessions (safety check)"),
            Map.entry(
                    "DELETE /api/households/{householdId}/browsers/{clientId}",
                    "owner or admin of the household; only the owner revokes the owner's browsers (safety check)"),
            Map.entry("GET /api/push/key", "signed in; the hub's public VAPID key"),
            Map.entry(
                    "PUT /api/push/subscriptions/{clientId}",
                    "signed in, for one of the account's own browsers approved in one of its households; endpoint"
                            + " through the SSRF guard (WebPushTest)"),
            Map.entry(
                    "DELETE /api/push/subscriptions/{clientId}",
                    "signed in, for one of the account's own browsers (WebPushTest)"),
            Map.entry("GET /api/push/preferences", "signed in; the account's own choice"),
            Map.entry("PUT /api/push/preferences", "signed in; the account's own choice"),
            Map.entry(
                    "GET /api/households/{householdId}/integrations/mqtt",
                    "owner or admin of the household; never shows the password or client key (MqttIntegrationTest)"),
            Map.entry(
                    "PUT /api/households/{householdId}/integrations/mqtt",
                    "owner or admin of the household (MqttIntegrationTest)"),
            Map.entry(
                    "DELETE /api/households/{householdId}/integrations/mqtt",
                    "owner or admin of the household (MqttIntegrationTest)"),
            Map.entry(
                    "GET /api/households/{householdId}/integrations/ntfy",
                    "member of the household; only their own topic, never its URL (NtfyAndChimeTest)"),
            Map.entry(
                    "PUT /api/households/{householdId}/integrations/ntfy",
                    "member of the household; only their own topic, https to a public host (NtfyAndChimeTest)"),
            Map.entry(
                    "DELETE /api/households/{householdId}/integrations/ntfy",
                    "member of the household; only their own topic (NtfyAndChimeTest)"),
            Map.entry(
                    "POST /api/devices/{deviceId}/chime/silence",
                    "member who may use the doorbell now; the doorbell keeps the time (NtfyAndChimeTest)"));

    /** Every route of the hub's own controllers, as "VERB /pattern", read from Spring's handler mappings. */
    public static Set<String> routesServedBy(TestHub hub) {
        Set<String> routes = new LinkedHashSet<>();
        Map<RequestMappingInfo, HandlerMethod> methods =
                hub.bean(RequestMappingHandlerMapping.class).getHandlerMethods();
        methods.forEach((info, method) -> {
            if (!method.getBeanType().getPackageName().startsWith("dev.doorward")) {
                return;
            }
            for (var verb : info.getMethodsCondition().getMethods()) {
                for (String pattern : info.getPatternValues()) {
                    routes.add(verb + " " + pattern);
                }
            }
        });
        return routes;
    }
}

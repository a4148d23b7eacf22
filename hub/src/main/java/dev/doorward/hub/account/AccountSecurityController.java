package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.hubkeys.HubKeys;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.SignedInAccount;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a member does for their own account's safety: change the password (the current one again; every other
 * session ends), see where they are signed in and end any of those sessions, and list or remove their passkeys
 * (adding one is Spring Security's WebAuthn filter, {@link PasskeyConfig}). Everything here is the signed-in
 * account's own: there is no id of another account to name.
 *
 * <p>Sessions are named by opaque references (an HMAC, under a key from {@link HubKeys}, of the account and the
 * session id): a session id is a cookie's value and never leaves the hub.
 */
@RestController
class AccountSecurityController {
    private final AccountService accounts;
    private final AccountSessions sessions;
    private final Passkeys passkeys;
    private final SignInLimits limits;
    private final Households households;
    private final AuditLog audit;
    private final Notifier notifier;
    private final Clock clock;
    private final byte[] refKey;

    AccountSecurityController(
            AccountService accounts,
            AccountSessions sessions,
            Passkeys passkeys,
            SignInLimits limits,
            Households households,
            AuditLog audit,
            Notifier notifier,
            HubKeys keys,
            Clock clock) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.passkeys = passkeys;
        this.limits = limits;
        this.households = households;
        this.audit = audit;
        this.notifier = notifier;
        this.clock = clock;
        this.refKey = keys.referenceKey(HubKeys.ReferenceKey.OWN_SESSIONS);
    }

    record PasswordChange(String currentPassword, String newPassword) {
        @Override
        public String toString() {
            return "PasswordChange[[REDACTED]]";
        }
    }

    /**
     * A new password: the current one must be right (checked against the same allowances as a sign-in, so this is
     * no back door for guessing); then every other session of the account ends and this one stays.
     */
    @PutMapping("/api/account/password")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void changePassword(
            @AuthenticationPrincipal SignedInAccount account,
            @RequestBody PasswordChange request,
            HttpServletRequest http) {
        AccountService.checkNewPassword(request.newPassword());
        SignInLimits.Attempt attempt = new SignInLimits.Attempt(http.getRemoteAddr(), account.getUsername(), false);
        OptionalLong wait = limits.before(attempt);
        if (wait.isPresent()) {
            throw new TooManyRequests(wait.getAsLong());
        }
        if (!accounts.passwordMatches(account.id(), request.currentPassword())) {
            record(
                    account,
                    "password-change-refused",
                    "Wrong current password when " + account.getUsername() + " asked to change their password");
            throw new InvalidInput("Wrong password");
        }
        limits.succeeded(attempt);
        accounts.setPassword(account.id(), request.newPassword());
        int ended = sessions.endAllBut(account.id(), AccountSessions.currentSessionId(http));
        record(
                account,
                "password-changed",
                account.getUsername() + " changed their password; " + ended + " other session(s) ended");
        notifier.toAccount(
                account.id(),
                Notice.SecurityAlert.about(
                        Notice.Alert.PASSWORD_CHANGED,
                        "Your password was changed. Every other browser was signed out.",
                        clock.instant()));
    }

    record OwnSession(String sessionRef, String browserName, String signedInAt, String lastSeenAt, boolean current) {}

    @GetMapping("/api/account/sessions")
    List<OwnSession> sessions(@AuthenticationPrincipal SignedInAccount account, HttpServletRequest http) {
        String current = AccountSessions.currentSessionId(http);
        return sessions.of(account.id()).stream()
                .map(s -> new OwnSession(
                        ref(account.id(), s.sessionId()),
                        s.browserName(),
                        s.signedInAt().toString(),
                        s.lastSeenAt().toString(),
                        s.sessionId().equals(current)))
                .toList();
    }

    /**
     * Signs the member out of one of their own browsers (this one too, if they name it). Idempotent: a reference
     * that names none of the account's open sessions (ended already, or never its own) ends nothing and says so
     * with the same 204, so nothing is learnt from it.
     */
    @DeleteMapping("/api/account/sessions/{sessionRef}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void endSession(@AuthenticationPrincipal SignedInAccount account, @PathVariable String sessionRef) {
        for (AccountSessions.OpenSession s : sessions.of(account.id())) {
            if (Hashes.constantTimeEquals(ref(account.id(), s.sessionId()), sessionRef)) {
                record(account, "session-ended", account.getUsername() + " signed out of " + s.browserName());
                sessions.end(account.id(), s.sessionId());
                return;
            }
        }
    }

    @GetMapping("/api/account/passkeys")
    List<Passkeys.Passkey> passkeys(@AuthenticationPrincipal SignedInAccount account) {
        return passkeys.of(account.getUsername());
    }

    /**
     * The passkey stops working at once; a browser already signed in with it stays signed in until it ends.
     * Idempotent like ending a session: an id that is none of the account's passkeys removes nothing (204).
     */
    @DeleteMapping("/api/account/passkeys/{credential}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void removePasskey(@AuthenticationPrincipal SignedInAccount account, @PathVariable String credential) {
        // A credential id is the authenticator's (base64url), not one of the hub's ids: named so WellFormedIds
        // leaves it alone, and only ever compared in a query scoped to the caller's own passkeys.
        if (credential.length() > 1000) {
            throw new InvalidInput("A passkey id has at most 1000 characters");
        }
        var removed = passkeys.remove(account.getUsername(), credential);
        if (removed.isEmpty()) {
            return;
        }
        String label = removed.get();
        record(account, "passkey-removed", account.getUsername() + " removed the passkey \"" + label + "\"");
        notifier.toAccount(
                account.id(),
                Notice.SecurityAlert.about(
                        Notice.Alert.PASSKEY_CHANGED,
                        "The passkey \"" + label + "\" was removed from your account.",
                        clock.instant()));
    }

    private void record(SignedInAccount account, String action, String detail) {
        for (Households.Membership m : households.membershipsOf(account.id())) {
            audit.record(m.householdId(), "account:" + account.id(), action, detail);
        }
    }

    private String ref(String accountId, String sessionId) {
        byte[] tag = Hashes.hmacSha256(
                refKey, ("own-session:" + accountId + ":" + sessionId).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(tag, 16));
    }
}

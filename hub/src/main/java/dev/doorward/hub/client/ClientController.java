package dev.doorward.hub.client;

import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.hub.account.AccountSessions;
import dev.doorward.hub.account.BrowserNames;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A browser registers the public halves of its keys (ECDSA P-256 for signing, ECDH P-256 for key agreement,
 * both made non-extractable by WebCrypto). The signing key's fingerprint is what a doorbell pins when this
 * browser claims it.
 */
@RestController
class ClientController {
    private final MemberClients clients;
    private final Households households;
    private final AuditLog audit;
    private final Notifier notifier;
    private final AccountSessions sessions;
    private final Clock clock;

    ClientController(
            MemberClients clients,
            Households households,
            AuditLog audit,
            Notifier notifier,
            AccountSessions sessions,
            Clock clock) {
        this.sessions = sessions;
        this.clients = clients;
        this.households = households;
        this.audit = audit;
        this.notifier = notifier;
        this.clock = clock;
    }

    record NewClient(String signingKey, String agreementKey, String label) {}

    record ClientView(String id, String signingKeyFingerprint, String label, String createdAt) {}

    @PostMapping("/api/clients")
    ResponseEntity<ClientView> register(
            @AuthenticationPrincipal SignedInAccount account,
            @RequestBody NewClient request,
            @RequestHeader(name = "User-Agent", required = false) String userAgent,
            HttpServletRequest http) {
        byte[] signing = p256(request.signingKey(), "signing");
        p256(request.agreementKey(), "key agreement");
        String fingerprint = Fingerprints.ofSubjectPublicKeyInfo(signing);
        // Named after its User-Agent ("Firefox on Android") unless the member named it; they can rename it later.
        String label = request.label() == null || request.label().isBlank()
                ? BrowserNames.fromUserAgent(userAgent)
                : request.label().strip();
        if (!BrowserNames.acceptable(label)) {
            throw new InvalidInput("A browser's name has 1 to " + BrowserNames.MAX_LENGTH + " characters");
        }
        MemberClients.Registration registration =
                clients.register(account.id(), request.signingKey(), request.agreementKey(), fingerprint, label);
        MemberClients.MemberClient client = registration.client();
        if (!client.accountId().equals(account.id())) {
            // Someone else's key: say nothing about whose.
            throw new NotFound();
        }
        sessions.usedBy(http, client.id());
        boolean created = registration.created();
        for (Households.Membership m :
                created ? households.membershipsOf(account.id()) : List.<Households.Membership>of()) {
            audit.record(
                    m.householdId(),
                    "account:" + account.id(),
                    "client-registered",
                    "A browser key (" + fingerprint.substring(0, 8) + "…) was registered for " + account.getUsername());
            // Every admin hears of a new browser at once: it waits for their approval (safety code) to see anything.
            notifier.toAdmins(
                    m.householdId(),
                    new Notice.SecurityAlert(
                            Notice.Alert.BROWSER_WAITING,
                            null,
                            null,
                            "A new browser was registered for " + account.getUsername()
                                    + ". Approve it only after checking its safety code.",
                            clock.instant(),
                            fingerprint));
        }
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK)
                .body(view(client));
    }

    record Rename(String label) {}

    /** The member renames one of their own browsers (anyone else's is unknown here). */
    @PutMapping("/api/clients/{clientId}/label")
    ClientView rename(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String clientId,
            @RequestBody Rename request) {
        if (!BrowserNames.acceptable(request.label())) {
            throw new InvalidInput("A browser's name has 1 to " + BrowserNames.MAX_LENGTH + " characters");
        }
        return clients.rename(account.id(), clientId, request.label().strip())
                .map(ClientController::view)
                .orElseThrow(NotFound::new);
    }

    @GetMapping("/api/clients")
    List<ClientView> list(@AuthenticationPrincipal SignedInAccount account) {
        return clients.ofAccount(account.id()).stream()
                .map(ClientController::view)
                .toList();
    }

    private static ClientView view(MemberClients.MemberClient c) {
        return new ClientView(
                c.id(), c.signingKeyFingerprint(), c.label(), c.createdAt().toString());
    }

    private static byte[] p256(String base64, String what) {
        try {
            byte[] spki = Base64.getDecoder().decode(base64 == null ? "" : base64);
            KeyPairs.parseP256PublicKey(spki);
            return spki;
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("The " + what + " key must be a P-256 public key (SPKI, base64)");
        }
    }
}

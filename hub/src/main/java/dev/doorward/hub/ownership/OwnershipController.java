package dev.doorward.hub.ownership;

import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.hub.account.Accounts;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.hub.web.QrCodes;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.MoveCode;
import dev.doorward.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * What an owner or admin does to a doorbell's ownership from the web app: release it, move it to the hub's
 * new address, veto a reset at the door. The doorbell is the authority: release and move are statements
 * signed by the owner's browser key, which the hub only checks and carries; a veto only ever keeps a
 * doorbell owned.
 */
@RestController
class OwnershipController {
    private final Devices devices;
    private final Households households;
    private final DeviceChannel connections;
    private final AuditLog audit;
    private final Accounts accounts;
    private final PasswordEncoder passwordEncoder;
    private final MemberClients memberClients;
    private final RateLimiter limiter;
    private final HubPki pki;
    private final HubPorts ports;

    OwnershipController(
            Devices devices,
            Households households,
            DeviceChannel connections,
            AuditLog audit,
            Accounts accounts,
            PasswordEncoder passwordEncoder,
            MemberClients memberClients,
            RateLimiter limiter,
            HubPki pki,
            HubPorts ports) {
        this.devices = devices;
        this.households = households;
        this.connections = connections;
        this.audit = audit;
        this.accounts = accounts;
        this.passwordEncoder = passwordEncoder;
        this.memberClients = memberClients;
        this.limiter = limiter;
        this.pki = pki;
        this.ports = ports;
    }

    private void requireOwnBrowserKey(SignedInAccount account, byte[] signerPublicKey, String problem) {
        String fingerprint = Fingerprints.ofSubjectPublicKeyInfo(signerPublicKey);
        boolean own = memberClients
                .byFingerprint(fingerprint)
                .filter(c -> c.accountId().equals(account.id()))
                .isPresent();
        if (!own) {
            throw new InvalidInput(problem);
        }
    }

    private static byte[] base64url(String text, String problem) {
        if (text == null || text.isEmpty() || text.length() > 512) {
            throw new InvalidInput(problem);
        }
        try {
            return java.util.Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(problem);
        }
    }

    /** The device, if the account is an owner or admin of its household; otherwise the same 404 as unknown. */
    private Devices.Device administeredDevice(SignedInAccount account, String id) {
        Devices.Device device = devices.byId(id).orElseThrow(NotFound::new);
        Role role = households.roleOf(account.id(), device.householdId()).orElseThrow(NotFound::new);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        return device;
    }

    record ReleaseRequest(String password, String statement, String signature, String signerPublicKey) {
        @Override
        public String toString() {
            return "ReleaseRequest[password=[REDACTED]]";
        }
    }

    /**
     * Releases a doorbell (selling it, giving it away). The hub checks the password again (step-up) and that
     * the signing key is one of this account's browsers, then carries the signed statement to the doorbell —
     * which is the one that decides: it accepts only its pinned owner key. The doorbell reports RELEASED and
     * wipes itself; the hub then forgets it.
     */
    @PostMapping("/api/devices/{id}/release")
    @ResponseStatus(HttpStatus.ACCEPTED)
    void release(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String id,
            @RequestBody ReleaseRequest request) {
        Devices.Device device = administeredDevice(account, id);
        // Shape first: a malformed request must not cost a password attempt.
        if (request.statement() == null || request.statement().length() > 256) {
            throw new InvalidInput("The release statement is malformed");
        }
        byte[] signer = base64url(request.signerPublicKey(), "The release statement is malformed");
        base64url(request.signature(), "The release statement is malformed");
        TooManyRequests.check(limiter, RateLimit.STEP_UP_PER_ACCOUNT, account.id());
        String hash =
                accounts.byId(account.id()).map(Accounts.Account::passwordHash).orElseThrow(NotFound::new);
        if (request.password() == null || !passwordEncoder.matches(request.password(), hash)) {
            audit.record(
                    device.householdId(),
                    "account:" + account.id(),
                    "release-refused",
                    "Wrong password when releasing '" + device.name() + "'");
            throw new InvalidInput("Wrong password");
        }
        // Only wrong passwords count against the step-up allowance.
        limiter.refund(RateLimit.STEP_UP_PER_ACCOUNT, account.id());
        requireOwnBrowserKey(account, signer, "Sign the release in a browser of your own account");
        LinkMessage.Release release =
                new LinkMessage.Release(request.statement(), request.signature(), request.signerPublicKey());
        if (!connections.send(id, release)) {
            throw new InvalidInput("'" + device.name() + "' is offline; it must be online to be released");
        }
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "release-requested",
                account.getUsername() + " released '" + device.name() + "'");
    }

    record SignedStatement(String statement, String signature, String signerPublicKey) {}

    /**
     * Sets how long the doorbell waits after a reset at the door before it lets go (default 72 h, 0 to 30
     * days). Signed by the owner's browser key and checked by the doorbell, so a compromised hub cannot
     * shorten it for a thief.
     */
    @PostMapping("/api/devices/{id}/cooling-off")
    @ResponseStatus(HttpStatus.ACCEPTED)
    void setCoolingOff(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String id,
            @RequestBody SignedStatement request) {
        Devices.Device device = administeredDevice(account, id);
        if (request.statement() == null || request.statement().length() > 256) {
            throw new InvalidInput("The setting statement is malformed");
        }
        byte[] signer = base64url(request.signerPublicKey(), "The setting statement is malformed");
        base64url(request.signature(), "The setting statement is malformed");
        requireOwnBrowserKey(account, signer, "Sign the setting in a browser of your own account");
        if (!connections.send(
                id,
                new LinkMessage.SetCoolingOff(request.statement(), request.signature(), request.signerPublicKey()))) {
            throw new InvalidInput("'" + device.name() + "' is offline; it must be online to change this");
        }
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "setting-requested",
                account.getUsername() + " asked '" + device.name() + "' to change its reset cooling-off period");
    }

    /**
     * Switches motion detection on or off and sets the zones where motion counts. Signed by an owner's or
     * admin's browser key and checked by the doorbell like the cooling-off period, so a compromised hub can
     * neither switch motion off nor move the zones away from the door. The hub checks the shape (a clear error
     * here rather than a silent refusal at the door) and carries it; the doorbell reports what it applied.
     */
    @PostMapping("/api/devices/{id}/motion")
    @ResponseStatus(HttpStatus.ACCEPTED)
    void setMotion(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String id,
            @RequestBody SignedStatement request) {
        Devices.Device device = administeredDevice(account, id);
        MotionSetting setting;
        try {
            setting = MotionSetting.ofStatement(request.statement());
        } catch (ProtocolException e) {
            throw new InvalidInput("The motion setting is malformed: " + e.getMessage());
        }
        if (request.statement().length() > 256
                || !request.statement().startsWith(MotionSetting.STATEMENT_KIND + ":1:" + id + ":")) {
            throw new InvalidInput("The motion setting names another doorbell");
        }
        byte[] signer = base64url(request.signerPublicKey(), "The setting statement is malformed");
        base64url(request.signature(), "The setting statement is malformed");
        requireOwnBrowserKey(account, signer, "Sign the setting in a browser of your own account");
        if (!connections.send(
                id, new LinkMessage.SetMotion(request.statement(), request.signature(), request.signerPublicKey()))) {
            throw new InvalidInput("'" + device.name() + "' is offline; it must be online to change this");
        }
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "setting-requested",
                account.getUsername() + " asked '" + device.name() + "' to turn motion detection "
                        + (setting.enabled() ? "on (" + setting.zones().size() + " zones)" : "off"));
    }

    record MoveRequest(long issuedAt, String signature, String signerPublicKey) {}

    record MoveView(String qrPng, String hubUrl) {}

    /**
     * The hub has a new address: the owner's browser signs a move to it and the hub renders it as a QR code
     * for the doorbell camera. The doorbell follows it only if it is signed by the key it pinned.
     */
    @PostMapping("/api/devices/{id}/move-code")
    MoveView moveCode(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String id,
            @RequestBody MoveRequest request) {
        Devices.Device device = administeredDevice(account, id);
        MoveCode code;
        try {
            code = new MoveCode(
                    id,
                    pki.hubCaFingerprint(),
                    request.issuedAt(),
                    request.signature(),
                    request.signerPublicKey(),
                    ports.deviceLinkUrl());
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("The move statement is malformed");
        }
        byte[] signer = base64url(code.signerPublicKey(), "The move statement is malformed");
        byte[] signature = base64url(code.signature(), "The move statement is malformed");
        requireOwnBrowserKey(account, signer, "Sign the move in a browser of your own account");
        if (!Signatures.verify(signer, code.statement().getBytes(StandardCharsets.UTF_8), signature)) {
            throw new InvalidInput("The move statement's signature does not verify");
        }
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "move-code",
                account.getUsername() + " made a move code for '" + device.name() + "' to " + ports.deviceLinkUrl());
        return new MoveView(QrCodes.png(code.format()), ports.deviceLinkUrl().toString());
    }

    /**
     * Keeps a doorbell that someone is resetting at the door. The veto reaches the doorbell now if it is
     * online, else when it next connects; it only ever keeps the device owned.
     */
    @PostMapping("/api/devices/{id}/veto-reset")
    @ResponseStatus(HttpStatus.ACCEPTED)
    void vetoReset(@AuthenticationPrincipal SignedInAccount account, @PathVariable String id) {
        Devices.Device device = administeredDevice(account, id);
        if (device.resetPendingUntil() == null) {
            throw new InvalidInput("No reset of this doorbell is pending");
        }
        devices.vetoRequested(id);
        audit.record(
                device.householdId(),
                "account:" + account.id(),
                "reset-vetoed",
                account.getUsername() + " vetoed the reset of '" + device.name() + "'");
        connections.send(id, new LinkMessage.ResetVeto());
    }
}

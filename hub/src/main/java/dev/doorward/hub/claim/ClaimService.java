package dev.doorward.hub.claim;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.ClaimAccepted;
import dev.doorward.protocol.LinkMessage.ClaimRefusal;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Claiming a doorbell (DESIGN §4): the owner asks for a one-time ticket and shows it to the doorbell camera as
 * a QR code; the device connects with its factory certificate and both sides prove knowledge of the setup
 * code with SRP-6a bound to the ticket. The hub never stores the code, and an owned device is never handed
 * to anyone else: its serial is already registered, so every claim is refused and the owner is told.
 *
 * <p>One class: the ticket, the SRP exchange and the refusal of an owned serial are the steps of one flow; the rule
 * that an owned device is never handed over is easiest to check when they are read together.
 */
@Service
public class ClaimService {
    private static final Logger log = LoggerFactory.getLogger(ClaimService.class);
    private static final Pattern FINGERPRINT = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final String LOST =
            "The hub lost this claim (a restart, or its node stopped): start adding the doorbell again";

    private final ClaimTickets tickets;
    private final MemberClients memberClients;
    private final Households households;
    private final Devices devices;
    private final HubPki pki;
    private final HubPorts ports;
    private final HubProperties properties;
    private final AuditLog audit;
    private final Notifier notifier;
    private final RateLimiter limiter;
    private final Clock clock;
    private final SecureRandom random;

    ClaimService(
            ClaimTickets tickets,
            MemberClients memberClients,
            Households households,
            Devices devices,
            HubPki pki,
            HubPorts ports,
            HubProperties properties,
            AuditLog audit,
            Notifier notifier,
            RateLimiter limiter,
            Clock clock,
            SecureRandom random) {
        this.tickets = tickets;
        this.memberClients = memberClients;
        this.households = households;
        this.devices = devices;
        this.pki = pki;
        this.ports = ports;
        this.properties = properties;
        this.audit = audit;
        this.notifier = notifier;
        this.limiter = limiter;
        this.clock = clock;
        this.random = random;
    }

    /** What the web app gets back: a handle to follow the claim, and the claim code to show as a QR. */
    public record Issued(String handle, String claimCode, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[handle=" + handle + "]";
        }
    }

    public Issued issue(
            SignedInAccount account, String householdId, String setupCode, String deviceName, String ownerKeyFp) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        String code;
        try {
            code = SetupCodes.normalize(setupCode == null ? "" : setupCode);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("A setup code has 10 digits; it is on the label inside the box");
        }
        String name = deviceName == null || deviceName.isBlank() ? "Front door" : deviceName.strip();
        if (name.length() > 64) {
            throw new InvalidInput("A doorbell name has at most 64 characters");
        }
        // The doorbell pins this key: it must be a browser of this very account, not any key the request names.
        String ownerKey = ownerKeyFp == null ? "" : ownerKeyFp;
        if (!FINGERPRINT.matcher(ownerKey).matches()
                || memberClients
                        .byFingerprint(ownerKey)
                        .filter(c -> c.accountId().equals(account.id()))
                        .isEmpty()) {
            throw new InvalidInput("This browser has no registered key yet; reload the page and try again");
        }
        // Each ticket is one setup-code guess; limit them per account.
        TooManyRequests.check(limiter, RateLimit.CLAIM_TICKETS_PER_ACCOUNT, account.id());
        ClaimTickets.PendingClaim claim =
                tickets.issue(account.id(), householdId, code, name, ownerKey, properties.claimTicketTtl());
        ClaimCode claimCode = new ClaimCode(claim.ticket(), pki.hubCaFingerprint(), ownerKey, ports.deviceLinkUrl());
        audit.record(householdId, "account:" + account.id(), "claim-started", "Started adding '" + name + "'");
        return new Issued(claim.handle(), claimCode.format(), claim.expiresAt());
    }

    public Map<String, Object> status(SignedInAccount account, String handle) {
        ClaimTickets.ClaimStatus status = tickets.status(handle)
                .filter(s -> s.accountId().equals(account.id()))
                .orElseThrow(NotFound::new);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("handle", handle);
        view.put("state", status.state());
        view.put("expiresAt", status.expiresAt().toString());
        if (status.deviceId() != null) {
            view.put("deviceId", status.deviceId());
        }
        if (status.reason() != null) {
            view.put("reason", status.reason());
        }
        return view;
    }

    /**
     * How a node reaches the node that issued a claim's ticket (and alone holds its setup code) when the doorbell
     * presents it here: that node runs the setup-code proof. Set by a cluster node; a single hub has none.
     */
    public interface ProofElsewhere {
        /**
         * The issuing node's answer to the doorbell's opening; empty when that node cannot be asked or no longer has
         * the claim. Throws {@link IllegalArgumentException} when it found the doorbell's values invalid.
         */
        Optional<SetupProof.Challenge> respond(
                String node, String handle, String serial, byte[] salt, byte[] devicePublicValue);

        /** Whether the doorbell's evidence holds, as the issuing node checks it; false when it cannot be asked. */
        boolean verifyDevice(String node, String handle, byte[] deviceEvidence);
    }

    private volatile ProofElsewhere elsewhere;

    public void proveElsewhereWith(ProofElsewhere proofs) {
        this.elsewhere = proofs;
    }

    /** The check of a doorbell's evidence: here, or by the node that issued the ticket. */
    private interface DeviceCheck {
        boolean verifyDevice(byte[] deviceEvidence);
    }

    /** A claim conversation on one device connection, between claim-request and its end. */
    public static final class InProgress {
        private final ClaimTickets.PendingClaim claim;
        private final DeviceCheck proof;
        private final String serial;
        private final X509Certificate deviceCertificate;

        private InProgress(
                ClaimTickets.PendingClaim claim, DeviceCheck proof, String serial, X509Certificate deviceCertificate) {
            this.claim = claim;
            this.proof = proof;
            this.serial = serial;
            this.deviceCertificate = deviceCertificate;
        }
    }

    /** The result of a claim step: what to send, and the conversation to keep (if it goes on). */
    public record Step(LinkMessage.FromHub reply, InProgress next) {}

    /** A factory-certified device presents a ticket it read from a QR code. */
    public Step onClaimRequest(String serial, X509Certificate deviceCertificate, LinkMessage.ClaimRequest request) {
        Optional<ClaimTickets.PendingClaim> taken = tickets.take(request.ticket());
        if (taken.isEmpty()) {
            audit.record(null, "serial:" + serial, "claim-refused", "Unknown, used or expired claim ticket");
            return new Step(new ClaimRefused(ClaimRefusal.TICKET_INVALID), null);
        }
        ClaimTickets.PendingClaim claim = taken.get();
        Optional<Device> owned = devices.bySerial(serial);
        if (owned.isPresent() && resetCompleted(owned.get())) {
            // The doorbell's cooling-off ended with no veto and it wiped itself; its report may not have
            // reached us, but only a factory-new doorbell connects to be claimed.
            Device old = owned.get();
            devices.delete(old.id());
            audit.record(
                    old.householdId(),
                    "serial:" + serial,
                    "device-released",
                    "'" + old.name() + "' was reset at the door; the cooling-off period ended without a veto");
            owned = Optional.empty();
        }
        if (owned.isPresent()) {
            refuseOwned(owned.get(), claim, "its factory certificate");
            return new Step(new ClaimRefused(ClaimRefusal.ALREADY_OWNED), null);
        }
        Optional<ClaimTickets.Secret> secret = tickets.secret(claim.handle());
        ProofElsewhere proofs = elsewhere;
        try {
            if (secret.isPresent()) {
                SetupProof.HubSide proof = new SetupProof.HubSide(
                        serial, secret.get().setupCode(), request.ticket().getBytes(StandardCharsets.UTF_8), random);
                SetupProof.Challenge challenge = proof.respond(request.saltBytes(), request.devicePublicValueBytes());
                return new Step(
                        LinkMessage.ClaimChallenge.of(challenge.hubPublicValue(), challenge.hubEvidence()),
                        new InProgress(claim, proof::verifyDevice, serial, deviceCertificate));
            }
            if (proofs != null && !claim.issuedBy().equals(tickets.node())) {
                // Started in a browser on another node, which alone knows the setup code: it runs the proof.
                String node = claim.issuedBy();
                Optional<SetupProof.Challenge> challenge = proofs.respond(
                        node, claim.handle(), serial, request.saltBytes(), request.devicePublicValueBytes());
                if (challenge.isPresent()) {
                    return new Step(
                            LinkMessage.ClaimChallenge.of(
                                    challenge.get().hubPublicValue(),
                                    challenge.get().hubEvidence()),
                            new InProgress(
                                    claim,
                                    evidence -> proofs.verifyDevice(node, claim.handle(), evidence),
                                    serial,
                                    deviceCertificate));
                }
            }
        } catch (IllegalArgumentException e) {
            finish(claim, "refused", null, "The doorbell sent an invalid proof");
            return new Step(new ClaimRefused(ClaimRefusal.WRONG_CODE), null);
        }
        // The node that started the claim restarted or is gone, and the setup code with it.
        finish(claim, "refused", null, LOST);
        audit.record(claim.householdId(), "serial:" + serial, "claim-refused", "The hub no longer had this claim");
        return new Step(new ClaimRefused(ClaimRefusal.TICKET_INVALID), null);
    }

    /**
     * Another node's doorbell link presents a ticket this node issued (and took it): this node runs the setup-code
     * proof, since only it knows the code. Empty when it no longer has the claim (a restart, expiry, used already).
     */
    public Optional<SetupProof.Challenge> respondForAnotherNode(
            String handle, String serial, byte[] salt, byte[] devicePublicValue) {
        Optional<ClaimTickets.Secret> secret = tickets.secret(handle);
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        SetupProof.HubSide proof = new SetupProof.HubSide(
                serial, secret.get().setupCode(), secret.get().ticket().getBytes(StandardCharsets.UTF_8), random);
        SetupProof.Challenge challenge = proof.respond(salt, devicePublicValue);
        tickets.proofForOthers(handle, proof, secret.get().expiresAt());
        return Optional.of(challenge);
    }

    /** The doorbell's evidence, from the node its link is on: checked once. */
    public boolean verifyForAnotherNode(String handle, byte[] deviceEvidence) {
        return tickets.takeProofForOthers(handle)
                .map(proof -> proof.verifyDevice(deviceEvidence))
                .orElse(false);
    }

    private boolean resetCompleted(Device device) {
        return device.resetPendingUntil() != null
                && device.resetVetoRequestedAt() == null
                && !clock.instant().isBefore(device.resetPendingUntil());
    }

    /** The device proved it holds the verifier of the code the user typed: register it. */
    public Step onClaimConfirm(InProgress progress, LinkMessage.ClaimConfirm confirm) {
        ClaimTickets.PendingClaim claim = progress.claim;
        if (!progress.proof.verifyDevice(confirm.deviceEvidenceBytes())) {
            finish(claim, "refused", null, "The doorbell could not prove it knows the setup code");
            audit.record(
                    claim.householdId(),
                    "serial:" + progress.serial,
                    "claim-failed",
                    "The doorbell's proof of the setup code was wrong");
            return new Step(new ClaimRefused(ClaimRefusal.WRONG_CODE), null);
        }
        Instant now = clock.instant();
        String deviceId = RandomIds.newId();
        X509Certificate operational = pki.issueOperationalCertificate(
                progress.deviceCertificate.getPublicKey(), deviceId, properties.operationalCertificateValidity());
        Device device = new Device(
                deviceId,
                claim.householdId(),
                progress.serial,
                claim.deviceName(),
                operational.getSerialNumber().toString(16),
                operational.getNotAfter().toInstant(),
                now,
                null,
                null,
                null,
                null,
                null);
        if (!devices.insert(device)) {
            // Another claim of the same device won a race; this one is refused like any claim of an owned device.
            devices.bySerial(progress.serial).ifPresent(d -> refuseOwned(d, claim, "a concurrent claim"));
            return new Step(new ClaimRefused(ClaimRefusal.ALREADY_OWNED), null);
        }
        audit.record(
                claim.householdId(),
                "account:" + claim.accountId(),
                "device-claimed",
                "Added doorbell '" + claim.deviceName() + "' (serial " + progress.serial + ")");
        finish(claim, "claimed", deviceId, null);
        log.info("Device {} claimed by household {}", deviceId, claim.householdId());
        return new Step(
                new ClaimAccepted(
                        deviceId,
                        Pem.certificate(operational),
                        Pem.certificate(pki.hubCa().certificate())),
                null);
    }

    /** The device refused our proof: the user typed a wrong setup code. */
    public void onDeviceRefused(InProgress progress, ClaimRefusal reason) {
        ClaimTickets.PendingClaim claim = progress.claim;
        String why = reason == ClaimRefusal.WRONG_CODE
                ? "The setup code does not match this doorbell"
                : reason == ClaimRefusal.TOO_MANY_ATTEMPTS
                        ? "Too many wrong setup codes: hold the doorbell button to open pairing again"
                        : "The doorbell refused: " + reason.wireName();
        finish(claim, "refused", null, why);
        audit.record(claim.householdId(), "serial:" + progress.serial, "claim-failed", why);
    }

    /**
     * The doorbell rejected the operational certificate or hub CA we sent it. It stays factory-new, so the
     * registration is undone — but only if the device never connected as owned.
     */
    public void onClaimResultRefused(String deviceId, String serial) {
        devices.byId(deviceId).filter(d -> d.lastSeenAt() == null).ifPresent(d -> {
            devices.deleteNeverConnected(deviceId);
            audit.record(
                    d.householdId(),
                    "serial:" + serial,
                    "claim-failed",
                    "The doorbell rejected the hub's certificate; '" + d.name() + "' was not added");
        });
    }

    /** The conversation ended without a result (connection lost, bad message). */
    public void onAbandoned(InProgress progress) {
        finish(progress.claim, "refused", null, "The doorbell disconnected before the claim finished");
    }

    /**
     * An owned device reports that someone showed it a claim code from this hub. The ticket is voided and
     * the owner told who tried; the device itself never acted on it.
     */
    public void onOwnedDeviceSawTicket(Device device, String ticket) {
        tickets.take(ticket)
                .ifPresentOrElse(
                        claim -> refuseOwned(device, claim, "the doorbell itself"),
                        () -> alertOwner(device, "A claim code was shown to '" + device.name() + "' and refused"));
    }

    private void refuseOwned(Device device, ClaimTickets.PendingClaim claim, String detectedBy) {
        boolean sameHousehold = device.householdId().equals(claim.householdId());
        String who = sameHousehold ? "a member of this household" : "an account of another household";
        audit.record(
                device.householdId(),
                "account:" + claim.accountId(),
                "claim-refused",
                "Someone (" + who + ") tried to claim '" + device.name() + "'; refused by " + detectedBy);
        if (!sameHousehold) {
            audit.record(
                    claim.householdId(),
                    "account:" + claim.accountId(),
                    "claim-refused",
                    "That doorbell already has an owner");
        }
        finish(claim, "refused", null, "This doorbell already has an owner. Its owner must release it first.");
        alertOwner(device, "Someone tried to claim '" + device.name() + "'. It was refused.");
    }

    private void alertOwner(Device device, String message) {
        notifier.toHousehold(
                device.householdId(),
                new Notice.SecurityAlert(
                        Notice.Alert.CLAIM_REFUSED, device.id(), null, message, clock.instant(), null));
    }

    private void finish(ClaimTickets.PendingClaim claim, String state, String deviceId, String reason) {
        tickets.finish(
                claim.handle(),
                new ClaimTickets.ClaimStatus(state, claim.accountId(), claim.expiresAt(), deviceId, reason));
        notifier.toAccount(claim.accountId(), new Notice.ClaimProgress(claim.handle(), state, deviceId, reason));
    }
}

package dev.doorward.hub.roster;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Fingerprints;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.client.MemberClients.MemberClient;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.device.Devices.Device;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.link.DeviceLink;
import dev.doorward.hub.link.DeviceLinkFeature;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.roster.Rosters.SignedRoster;
import dev.doorward.hub.shared.Conflict;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.Role;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Accepts signed rosters from admins' browsers and carries them to the household's doorbells. The hub checks
 * what it can (the chain, the signer, that every listed client belongs to a member in a matching role), so
 * that a mistake shows up in the browser rather than as a doorbell's refusal; but the doorbell decides, and a
 * roster the hub makes up is refused there (RosterVerifier).
 */
@Service
public class RosterService implements DeviceLinkFeature {
    private static final Logger log = LoggerFactory.getLogger(RosterService.class);
    /** Browser and doorbell clocks differ; a roster signed just before a claim still counts for it. */
    static final Duration CLAIM_CLOCK_SKEW = Duration.ofMinutes(10);

    private static final String STALE = "The household's roster changed meanwhile; sign again on top of the latest";

    private final Rosters rosters;
    private final MemberAccess access;
    private final Households households;
    private final MemberClients clients;
    private final Devices devices;
    private final DeviceChannel connections;
    private final Notifier notifier;
    private final AuditLog audit;
    private final JdbcClient jdbc;
    private final Clock clock;

    RosterService(
            Rosters rosters,
            Households households,
            MemberClients clients,
            Devices devices,
            DeviceChannel connections,
            Notifier notifier,
            AuditLog audit,
            JdbcClient jdbc,
            MemberAccess access,
            Clock clock) {
        this.access = access;
        this.rosters = rosters;
        this.households = households;
        this.clients = clients;
        this.devices = devices;
        this.connections = connections;
        this.notifier = notifier;
        this.audit = audit;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A roster an admin's browser signed, as posted. */
    public record Submission(String text, String signature, String signerPublicKey) {}

    /**
     * Checks and stores the household's next roster, then sends it to every connected doorbell that can take
     * it. Returns the stored roster. Throws {@link InvalidInput} with a reason the browser can show.
     */
    public SignedRoster submit(String accountId, String username, String householdId, Submission submission) {
        if (submission.text() == null || submission.signature() == null || submission.signerPublicKey() == null) {
            throw new InvalidInput("A roster needs its text, signature and signer key");
        }
        Roster proposed;
        try {
            proposed = Roster.parse(submission.text());
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("The roster is malformed: " + e.getMessage());
        }
        if (!proposed.householdId().equals(householdId)) {
            throw new InvalidInput("The roster is for another household");
        }
        byte[] signerKey = base64Url(submission.signerPublicKey());
        byte[] signature = base64Url(submission.signature());
        String signerFingerprint = Fingerprints.ofSubjectPublicKeyInfo(signerKey);
        MemberClient signer = clients.byFingerprint(signerFingerprint)
                .filter(c -> c.accountId().equals(accountId))
                .orElseThrow(() -> new InvalidInput("The roster is not signed by one of your browsers"));
        Roster.Member signerLine = proposed.member(signer.id())
                .filter(m -> m.role() == Roster.Role.OWNER || m.role() == Roster.Role.ADMIN)
                .orElseThrow(() -> new InvalidInput("The signer must be an owner or admin in the roster"));
        if (!signerLine.signingKeyFingerprint().equals(signerFingerprint)) {
            throw new InvalidInput("The signer's key does not match the roster");
        }

        Optional<SignedRoster> current = rosters.latest(householdId);
        if (current.isEmpty()) {
            if (proposed.epoch() != 1 || !Roster.NO_PREVIOUS.equals(proposed.previousHash())) {
                throw new InvalidInput("The household's first roster has epoch 1");
            }
        } else {
            SignedRoster latest = current.get();
            String previous = Hashes.sha256Base64Url(latest.text().getBytes(StandardCharsets.UTF_8));
            if (proposed.epoch() != latest.epoch() + 1
                    || !proposed.previousHash().equals(previous)) {
                throw new Conflict(STALE);
            }
            Roster before = Roster.parse(latest.text());
            boolean signerMayChange = before.memberWithFingerprint(signerFingerprint)
                    .filter(m -> m.role() == Roster.Role.OWNER || m.role() == Roster.Role.ADMIN)
                    .isPresent();
            if (!signerMayChange) {
                throw new InvalidInput("This browser is not an approved admin browser of the household yet");
            }
            if (!proposed.owner().equals(before.owner())
                    && before.owner().role() == Roster.Role.OWNER
                    && !before.owner().signingKeyFingerprint().equals(signerFingerprint)) {
                throw new InvalidInput("Only the owner's browser can change the owner");
            }
        }
        for (Roster.Member member : proposed.members()) {
            checkMember(householdId, member);
        }
        if (!Signatures.verify(signerKey, submission.text().getBytes(StandardCharsets.UTF_8), signature)) {
            throw new InvalidInput("The roster's signature does not verify");
        }

        SignedRoster stored = new SignedRoster(
                householdId,
                proposed.epoch(),
                submission.text(),
                submission.signature(),
                submission.signerPublicKey(),
                signer.id(),
                clock.instant());
        if (!rosters.insert(stored)) {
            throw new Conflict(STALE);
        }
        access.rosterChanged(householdId);
        audit.record(
                householdId,
                "account:" + accountId,
                "roster-signed",
                username + " signed roster " + proposed.epoch() + " with "
                        + proposed.members().size() + " browsers");
        notifier.toHousehold(householdId, new Notice.RosterChanged(proposed.epoch()));
        deliverToHousehold(stored);
        return stored;
    }

    /** Every listed client must be a browser of a current member, in a role the member has. */
    private void checkMember(String householdId, Roster.Member member) {
        MemberClient client = clients.byFingerprint(member.signingKeyFingerprint())
                .filter(c -> c.id().equals(member.clientId()))
                .orElseThrow(() -> new InvalidInput("The roster lists a browser the hub does not know"));
        if (!base64UrlOf(client.signingKey()).equals(member.signingKey())
                || !base64UrlOf(client.agreementKey()).equals(member.agreementKey())) {
            throw new InvalidInput("The roster lists a browser with other keys than it registered");
        }
        Role role = households
                .roleOf(client.accountId(), householdId)
                .orElseThrow(() -> new InvalidInput("The roster lists a browser of someone outside the household"));
        boolean fits = switch (member.role()) {
            case OWNER -> role == Role.OWNER;
            case ADMIN -> role == Role.OWNER || role == Role.ADMIN;
            case RESIDENT -> role == Role.RESIDENT;
            case GUEST -> role == Role.GUEST;
        };
        if (!fits) {
            throw new InvalidInput("The roster gives a browser another role than its member has");
        }
    }

    // ---- delivery to doorbells

    /** A doorbell told us which roster epoch it holds: remember it and send what comes next. */
    public void onRosterStatus(Device device, long epoch) {
        jdbc.sql("update devices set roster_epoch = :epoch where id = :id")
                .param("epoch", epoch)
                .param("id", device.id())
                .update();
        next(device, epoch).ifPresent(roster -> send(device, roster));
    }

    public void onRosterRefused(Device device, long epoch, String reason) {
        log.warn("Doorbell {} refused roster {}: {}", device.id(), epoch, reason);
        audit.record(
                device.householdId(),
                "device:" + device.id(),
                "roster-refused",
                device.name() + " refused roster " + epoch + ": " + reason);
        notifier.toHousehold(
                device.householdId(),
                new Notice.SecurityAlert(
                        Notice.Alert.ROSTER_REFUSED,
                        device.id(),
                        null,
                        device.name() + " refused a member list (roster " + epoch + "): " + reason,
                        clock.instant(),
                        null));
    }

    /**
     * The roster a doorbell holding {@code epoch} should get next: the one after it, or for a doorbell that
     * holds none (just claimed) the latest, if it was signed after the claim — the doorbell only accepts a
     * first roster signed by the browser that claimed it, after the claim.
     */
    private Optional<SignedRoster> next(Device device, long epoch) {
        if (epoch > 0) {
            return rosters.at(device.householdId(), epoch + 1);
        }
        return rosters.latest(device.householdId())
                .filter(latest ->
                        !latest.createdAt().isBefore(device.claimedAt().minus(CLAIM_CLOCK_SKEW)));
    }

    private void deliverToHousehold(SignedRoster roster) {
        for (Device device : devices.ofHousehold(roster.householdId())) {
            long held = jdbc.sql("select roster_epoch from devices where id = :id")
                    .param("id", device.id())
                    .query(Long.class)
                    .optional()
                    .orElse(0L);
            if (held == roster.epoch() - 1 || held == 0) {
                send(device, roster);
            }
        }
    }

    private void send(Device device, SignedRoster roster) {
        connections.send(
                device.id(), new LinkMessage.RosterUpdate(roster.text(), roster.signature(), roster.signerKey()));
    }

    static String base64UrlOf(String standardBase64) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Base64.getDecoder().decode(standardBase64));
    }

    private static byte[] base64Url(String text) {
        try {
            return Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("The signature and key are unpadded base64url");
        }
    }

    // ---- the device links: the roster a doorbell runs on, or why it refused one

    @Override
    public Set<Class<? extends LinkMessage.FromDevice>> handles() {
        return Set.of(LinkMessage.RosterStatus.class, LinkMessage.RosterRefused.class);
    }

    @Override
    public void message(DeviceLink link, LinkMessage.FromDevice message) {
        switch (message) {
            case LinkMessage.RosterStatus status -> onRosterStatus(link.device(), status.epoch());
            case LinkMessage.RosterRefused refused -> onRosterRefused(link.device(), refused.epoch(), refused.reason());
            default -> throw new IllegalArgumentException("not a roster message");
        }
    }
}

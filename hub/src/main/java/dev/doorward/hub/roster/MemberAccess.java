package dev.doorward.hub.roster;

import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.client.MemberClients.MemberClient;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.MemberDirectory;
import dev.doorward.hub.roster.Rosters.SignedRoster;
import dev.doorward.hub.shared.Role;
import dev.doorward.protocol.Roster;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Which doorbells a member may use, and when, as the household's latest signed roster says (its
 * {@code access:} lines, DESIGN §8). The doorbells enforce the same lines for the door and their keys; the hub
 * applies them to everything it serves: rings, live views, history and media, door requests, the device list.
 */
@Component
public class MemberAccess implements MemberDirectory {
    private final Rosters rosters;
    private final MemberClients clients;
    private final Households households;
    private final Clock clock;
    /**
     * The latest roster of each household, parsed; empty when it has none. Kept in memory and replaced when a
     * new one is stored, so a ring to a household without restrictions costs no query at all.
     */
    private final Map<String, Optional<Roster>> latest = new ConcurrentHashMap<>();

    MemberAccess(Rosters rosters, MemberClients clients, Households households, Clock clock) {
        this.households = households;
        this.rosters = rosters;
        this.clients = clients;
        this.clock = clock;
    }

    /** Whether anyone in the household is restricted (when not, every member may use every doorbell). */
    @Override
    public boolean anyRestriction(String householdId) {
        return latest(householdId).map(Roster::restrictsAnyone).orElse(false);
    }

    /** A new roster was stored for the household. */
    void rosterChanged(String householdId) {
        latest.remove(householdId);
    }

    private Optional<Roster> latest(String householdId) {
        return latest.computeIfAbsent(
                householdId, h -> rosters.latest(h).map(SignedRoster::text).map(Roster::parse));
    }

    @Override
    public boolean mayUse(String accountId, String householdId, String deviceId) {
        return allows(accountId, householdId, deviceId);
    }

    @Override
    public boolean isAdmin(String accountId, String householdId) {
        return households.roleOf(accountId, householdId).map(Role::isAdmin).orElse(false);
    }

    /**
     * Whether the account may use this doorbell now. An account none of whose browsers the roster restricts may
     * use every doorbell; one with restricted browsers only what one of them allows at this moment.
     */
    public boolean allows(String accountId, String householdId, String deviceId) {
        Optional<Roster> current = latest(householdId);
        if (current.isEmpty() || !current.get().restrictsAnyone()) {
            return true;
        }
        Roster roster = current.get();
        boolean restricted = false;
        long now = clock.millis();
        for (MemberClient client : clients.ofAccount(accountId)) {
            Optional<Roster.Member> member = roster.member(client.id());
            if (member.isEmpty()) {
                continue;
            }
            if (member.get().validUntil().map(until -> now >= until).orElse(false)) {
                // A guest whose time in the household is over.
                restricted = true;
                continue;
            }
            Optional<Roster.Access> access = roster.accessOf(client.id());
            if (access.isEmpty()) {
                return true;
            }
            restricted = true;
            if (access.get().allows(deviceId, now)) {
                return true;
            }
        }
        return !restricted;
    }
}

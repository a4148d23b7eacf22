package dev.doorward.hub.roster;

import dev.doorward.hub.client.MemberClients;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.MemberDirectory;
import dev.doorward.hub.shared.AccountDeleted;
import dev.doorward.hub.shared.AfterCommit;
import dev.doorward.hub.shared.Role;
import dev.doorward.protocol.Roster;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Which doorbells a member may use, and when, as the household's latest signed roster says (its
 * {@code access:} lines, DESIGN §8). The doorbells enforce the same lines for the door and their keys; the hub
 * applies them to everything it serves: rings, live views, history and media, door requests, the device list.
 *
 * <p>What a ring's fan-out asks — is anyone restricted, may this account hear this doorbell now — is answered from
 * memory, never from the database: a ring reaches the open apps while PostgreSQL is slow or down (issue 19). Each
 * household's latest roster and, per account, its browsers that roster lists are loaded for every household at
 * start, and loaded again after every change that alters them (a roster stored, a browser revoked, an account
 * deleted), once that change has committed. This class is the one place that knows when they change.
 */
@Component
public class MemberAccess implements MemberDirectory {
    private static final Logger log = LoggerFactory.getLogger(MemberAccess.class);

    /**
     * What fan-out needs of one household: its latest roster (empty before the first one) and, for each account,
     * those of its browsers that the roster lists.
     */
    record HouseholdAccess(Optional<Roster> roster, Map<String, List<String>> listedBrowsersByAccount) {
        static final HouseholdAccess NO_ROSTER = new HouseholdAccess(Optional.empty(), Map.of());

        static HouseholdAccess of(Roster roster, Map<String, String> accountByClient) {
            Map<String, List<String>> byAccount = new HashMap<>();
            for (Roster.Member member : roster.members()) {
                String account = accountByClient.get(member.clientId());
                if (account != null) { // a browser revoked since the roster was signed counts no more
                    byAccount.computeIfAbsent(account, a -> new ArrayList<>()).add(member.clientId());
                }
            }
            byAccount.replaceAll((account, clients) -> List.copyOf(clients));
            return new HouseholdAccess(Optional.of(roster), Map.copyOf(byAccount));
        }

        boolean restrictsAnyone() {
            return roster.map(Roster::restrictsAnyone).orElse(false);
        }
    }

    private final Rosters rosters;
    private final MemberClients clients;
    private final Households households;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final Map<String, HouseholdAccess> byHousehold = new ConcurrentHashMap<>();
    /**
     * Moves on at every change. A load that read the database before a change must not store what it read after
     * it: it stores only if this did not move meanwhile (and takes it back if it moved while storing).
     */
    private final AtomicLong changes = new AtomicLong();

    MemberAccess(
            Rosters rosters,
            MemberClients clients,
            Households households,
            Clock clock,
            ApplicationEventPublisher events) {
        this.households = households;
        this.events = events;
        this.rosters = rosters;
        this.clients = clients;
        this.clock = clock;
    }

    /** Every household's access, read once the hub is up: the first ring after a start needs no query either. */
    @EventListener(ApplicationReadyEvent.class)
    void loadAll() {
        long before = changes.get();
        try {
            Map<String, String> accountByClient = clients.accountOfEveryClient();
            Map<String, HouseholdAccess> loaded = new HashMap<>();
            rosters.latestOfEveryHousehold()
                    .forEach((household, text) -> loaded.put(
                            household,
                            text.isEmpty()
                                    ? HouseholdAccess.NO_ROSTER
                                    : HouseholdAccess.of(Roster.parse(text.get()), accountByClient)));
            loaded.forEach((household, access) -> store(household, access, before));
        } catch (DataAccessException e) {
            // Each household is then read at its first ring.
            log.warn("Could not read the households' rosters at start: {}", e.getMessage());
        }
    }

    /** A new roster was stored for the household. */
    void rosterChanged(String householdId) {
        changed(() -> List.of(householdId), true);
    }

    /** An admin revoked one of the account's browsers: it no longer counts for that account anywhere. */
    public void browserRevoked(String accountId) {
        changed(() -> householdsListing(accountId), true);
    }

    @EventListener
    void accountDeleted(AccountDeleted deleted) {
        changed(() -> householdsListing(deleted.accountId()), true);
        AfterCommit.run(() -> deleted.deletedHouseholdIds().forEach(byHousehold::remove));
    }

    private List<String> householdsListing(String accountId) {
        return byHousehold.entrySet().stream()
                .filter(e -> e.getValue().listedBrowsersByAccount().containsKey(accountId))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * Another cluster node changed these households' access (its {@link AccessChanged}, after its commit): they are
     * read again here, and announced no further.
     */
    public void changedElsewhere(List<String> householdIds) {
        changed(() -> householdIds, false);
    }

    /**
     * Forgets the households' access once the change is committed (before, another connection still reads the
     * old rows) and reads it again at once, so that the next ring needs no query. Which households is decided
     * after the change counter moved: whatever a load stored before that is seen here. A change made here is
     * announced ({@link AccessChanged}) for the other nodes of a cluster.
     */
    private void changed(Supplier<List<String>> affected, boolean announce) {
        AfterCommit.run(() -> {
            changes.incrementAndGet();
            List<String> householdIds = affected.get();
            householdIds.forEach(byHousehold::remove);
            if (announce && !householdIds.isEmpty()) {
                events.publishEvent(new AccessChanged(List.copyOf(householdIds)));
            }
            for (String household : householdIds) {
                try {
                    access(household);
                } catch (DataAccessException e) {
                    log.warn("Could not read the roster of a household after a change: {}", e.getMessage());
                }
            }
        });
    }

    private HouseholdAccess access(String householdId) {
        HouseholdAccess known = byHousehold.get(householdId);
        if (known != null) {
            return known;
        }
        long before = changes.get();
        HouseholdAccess loaded = rosters.latest(householdId)
                .map(signed -> Roster.parse(signed.text()))
                .map(roster -> HouseholdAccess.of(
                        roster,
                        clients.accountOf(roster.members().stream()
                                .map(Roster.Member::clientId)
                                .toList())))
                .orElse(HouseholdAccess.NO_ROSTER);
        store(householdId, loaded, before);
        return loaded;
    }

    private void store(String householdId, HouseholdAccess access, long changesBeforeReading) {
        if (changes.get() != changesBeforeReading) {
            return;
        }
        byHousehold.put(householdId, access);
        if (changes.get() != changesBeforeReading) {
            byHousehold.remove(householdId, access);
        }
    }

    /**
     * Whether the household's latest roster lists this browser: a push goes only to browsers an admin approved. From
     * memory, like the rest of a ring's fan-out (parsing the roster for every ring was most of what a ring's push
     * fan-out allocated).
     */
    public boolean listsBrowser(String householdId, String clientId) {
        return access(householdId).roster().flatMap(r -> r.member(clientId)).isPresent();
    }

    /** Whether anyone in the household is restricted (when not, every member may use every doorbell). */
    @Override
    public boolean anyRestriction(String householdId) {
        return access(householdId).restrictsAnyone();
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
     * Whether the account may use this doorbell now. In a household that restricts no one, every member may use
     * every doorbell. Otherwise an account may use what one of its browsers in the roster allows at this moment
     * (an unrestricted one: everything); an account the roster lists no browser of gets nothing, so a guest whose
     * browser was revoked, or a browser approved but not yet signed into the roster, is never taken for
     * unrestricted.
     */
    public boolean allows(String accountId, String householdId, String deviceId) {
        return allows(access(householdId), accountId, deviceId);
    }

    /** {@link #allows} for the household's access as it is in memory now; empty when it would have to be read. */
    @Override
    public Optional<Predicate<String>> mayUseKnownNow(String householdId, String deviceId) {
        HouseholdAccess known = byHousehold.get(householdId);
        if (known == null) {
            return Optional.empty();
        }
        return Optional.of(known.restrictsAnyone() ? account -> allows(known, account, deviceId) : account -> true);
    }

    private boolean allows(HouseholdAccess current, String accountId, String deviceId) {
        if (!current.restrictsAnyone()) {
            return true;
        }
        Roster roster = current.roster().orElseThrow();
        boolean restricted = false;
        long now = clock.millis();
        List<String> listed = current.listedBrowsersByAccount().getOrDefault(accountId, List.of());
        if (listed.isEmpty()) {
            return false;
        }
        for (String clientId : listed) {
            Roster.Member member = roster.member(clientId).orElseThrow();
            if (member.validUntil().map(until -> now >= until).orElse(false)) {
                // A guest whose time in the household is over.
                restricted = true;
                continue;
            }
            Optional<Roster.Access> access = roster.accessOf(clientId);
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

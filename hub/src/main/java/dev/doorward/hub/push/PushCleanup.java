package dev.doorward.hub.push;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.roster.Rosters;
import dev.doorward.hub.shared.MemberRemoved;
import dev.doorward.protocol.Roster;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Subscriptions follow their browser: a revoked browser's and a deleted account's go with the browser's row
 * (database cascade); a removed member's go here, unless the browser is still approved in another household
 * the member belongs to (its pushes from the old household stop anyway: only members are recipients).
 */
@Component
class PushCleanup {
    private final PushSubscriptions subscriptions;
    private final Households households;
    private final Rosters rosters;

    PushCleanup(PushSubscriptions subscriptions, Households households, Rosters rosters) {
        this.subscriptions = subscriptions;
        this.households = households;
        this.rosters = rosters;
    }

    @EventListener
    void memberRemoved(MemberRemoved removed) {
        var memberships = households.membershipsOf(removed.accountId());
        for (String clientId : subscriptions.subscribedClientsOf(removed.accountId())) {
            boolean approvedElsewhere = memberships.stream()
                    .anyMatch(m -> rosters.latest(m.householdId())
                            .map(r -> Roster.parse(r.text()).member(clientId).isPresent())
                            .orElse(false));
            if (!approvedElsewhere) {
                subscriptions.delete(clientId);
            }
        }
    }
}

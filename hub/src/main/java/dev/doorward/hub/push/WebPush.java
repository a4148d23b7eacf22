package dev.doorward.hub.push;

import dev.doorward.hub.household.Role;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.roster.Rosters;
import dev.doorward.protocol.Roster;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The Web Push channel: what the household notifier calls to reach members whose app is closed. Returns at
 * once (the fan-out and the sending happen on the push workers). Who gets a push: the subscriptions of
 * browsers approved in the household's latest roster, of members that {@code recipientFilter} accepts, and
 * then by kind — for a doorbell's push only members the roster lets use that doorbell now (doorbells, hours,
 * last day), motion only for members who turned it on, a waiting browser only for the owner and admins.
 */
@Component
public class WebPush {
    private static final Logger log = LoggerFactory.getLogger(WebPush.class);

    private final PushSender sender;
    private final PushSubscriptions subscriptions;
    private final Rosters rosters;
    private final MemberAccess access;

    WebPush(PushSender sender, PushSubscriptions subscriptions, Rosters rosters, MemberAccess access) {
        this.sender = sender;
        this.subscriptions = subscriptions;
        this.rosters = rosters;
        this.access = access;
    }

    /** To every member of the household the rules above allow. */
    public void toHousehold(String householdId, PushMessage message) {
        toHousehold(householdId, message, account -> true);
    }

    /** As above, only to accounts {@code recipientFilter} accepts (it runs on a push worker). */
    public void toHousehold(String householdId, PushMessage message, Predicate<String> recipientFilter) {
        if (!householdId.equals(message.householdId())) {
            throw new IllegalArgumentException("the message is about another household");
        }
        sender.submit(() -> fanOut(householdId, message, recipientFilter));
    }

    private void fanOut(String householdId, PushMessage message, Predicate<String> recipientFilter) {
        try {
            Optional<Roster> roster = rosters.latest(householdId).map(r -> Roster.parse(r.text()));
            if (roster.isEmpty()) {
                return; // no browser is approved before the first roster
            }
            Map<String, Boolean> accountAllowed = new HashMap<>();
            for (PushSubscriptions.Recipient r : subscriptions.ofHousehold(householdId)) {
                if (roster.get().member(r.clientId()).isEmpty()) {
                    continue;
                }
                boolean allowed = accountAllowed.computeIfAbsent(
                        r.accountId(),
                        account -> allows(account, Role.fromDb(r.role()), householdId, message, recipientFilter));
                if (allowed) {
                    sender.deliver(
                            new PushSender.Delivery(r.clientId(), r.endpoint(), r.p256dh(), r.auth(), message, 1));
                }
            }
        } catch (RuntimeException e) {
            log.error("Web Push fan-out for a {} push failed", message.kind(), e);
        }
    }

    private boolean allows(
            String accountId, Role role, String householdId, PushMessage message, Predicate<String> recipientFilter) {
        if (!recipientFilter.test(accountId)) {
            return false;
        }
        switch (message.kind()) {
            case BROWSER_WAITING -> {
                return role.isAdmin();
            }
            case MOTION -> {
                if (!subscriptions.wantsMotion(accountId)) {
                    return false;
                }
            }
            default -> {}
        }
        return message.deviceId() == null || access.allows(accountId, householdId, message.deviceId());
    }
}

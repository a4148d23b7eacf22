package dev.doorward.hub.push;

import dev.doorward.hub.roster.MemberAccess;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends a push to a household's members whose app is closed. Returns at once (the fan-out and the sending happen
 * on the push workers). Who gets it: the subscriptions of browsers approved in the household's latest roster, of
 * members that {@code recipientFilter} accepts — the notifier's audience, which already applies each member's
 * access to the doorbell and the admins-only rule ({@link PushChannel}) — and motion only to members who turned
 * it on.
 */
@Component
public class WebPush {
    private static final Logger log = LoggerFactory.getLogger(WebPush.class);

    private final PushSender sender;
    private final PushSubscriptions subscriptions;
    private final MemberAccess access;

    WebPush(PushSender sender, PushSubscriptions subscriptions, MemberAccess access) {
        this.sender = sender;
        this.subscriptions = subscriptions;
        this.access = access;
    }

    /** As above, only to accounts {@code recipientFilter} accepts (it runs on a push worker). */
    public void toHousehold(String householdId, PushMessage message, Predicate<String> recipientFilter) {
        if (!householdId.equals(message.householdId())) {
            throw new IllegalArgumentException("the message is about another household");
        }
        // Most households have no subscription: waking a worker for each of their rings and alerts was a
        // measurable share of the hub's CPU per ring (docs/benchmarks.md, session 14).
        if (subscriptions.knownToHaveNone(householdId)) {
            return;
        }
        sender.submit(() -> fanOut(householdId, message, recipientFilter));
    }

    /** A member may mute one doorbell's rings and motion; its security alerts reach them all the same. */
    private static boolean mutedByMember(
            PushSubscriptions.HouseholdPush household, String account, PushMessage message) {
        boolean mutable = message.kind() == PushMessage.Kind.RING || message.kind() == PushMessage.Kind.MOTION;
        return mutable && message.deviceId() != null && household.muted(account, message.deviceId());
    }

    private void fanOut(String householdId, PushMessage message, Predicate<String> recipientFilter) {
        try {
            Map<String, Boolean> accountAllowed = new HashMap<>();
            PushSubscriptions.HouseholdPush household = subscriptions.ofHousehold(householdId);
            for (PushSubscriptions.Recipient r : household.recipients()) {
                if (!access.listsBrowser(householdId, r.clientId())) {
                    continue; // not approved (none is before the household's first roster)
                }
                boolean allowed = accountAllowed.computeIfAbsent(
                        r.accountId(),
                        account -> recipientFilter.test(account)
                                && (message.kind() != PushMessage.Kind.MOTION || household.wantsMotion(account))
                                && !mutedByMember(household, account, message));
                if (allowed) {
                    sender.deliver(new PushSender.Delivery(r.clientId(), r.endpoint(), r.p256dh(), r.auth(), message));
                }
            }
        } catch (RuntimeException e) {
            log.error("Web Push fan-out for a {} push failed", message.kind(), e);
        }
    }
}

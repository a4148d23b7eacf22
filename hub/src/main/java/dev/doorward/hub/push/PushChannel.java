package dev.doorward.hub.push;

import dev.doorward.hub.notify.Audience;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.NoticeChannel;
import org.springframework.stereotype.Component;

/**
 * The notifier's Web Push channel: of everything members are told, what should reach a closed app — rings,
 * motion, the security alerts someone must act on, a browser waiting for approval — as a push of ids and a kind
 * ({@link PushMessage}), to the members the notifier let hear it.
 */
@Component
class PushChannel implements NoticeChannel {
    private final WebPush webPush;

    PushChannel(WebPush webPush) {
        this.webPush = webPush;
    }

    @Override
    public void deliver(Audience audience, Notice notice) {
        if (!(audience instanceof Audience.Household household)) {
            return; // what one account is told (its claim's progress …) is for its open app only
        }
        PushMessage message = pushOf(household.householdId(), notice);
        if (message != null) {
            webPush.toHousehold(household.householdId(), message, household.mayHear());
        }
    }

    /** What a push needs is in memory, and the fan-out goes to the push workers' bounded queue (dropped when full). */
    @Override
    public boolean takesAtOnce(Audience.Household audience) {
        return true;
    }

    /** The push a notice becomes, or null when it is not worth waking a phone for. */
    static PushMessage pushOf(String householdId, Notice notice) {
        return switch (notice) {
            case Notice.Ring ring ->
                PushMessage.ring(
                        householdId,
                        ring.device(),
                        ring.eventId(),
                        ring.occurredAt().toEpochMilli());
            case Notice.Motion motion ->
                PushMessage.motion(
                        householdId,
                        motion.device(),
                        motion.eventId(),
                        motion.occurredAt().toEpochMilli());
            case Notice.SecurityAlert alert -> alertPush(householdId, alert);
            default -> null;
        };
    }

    private static PushMessage alertPush(String householdId, Notice.SecurityAlert alert) {
        long at = alert.at().toEpochMilli();
        if (alert.kind() == Notice.Alert.BROWSER_WAITING) {
            return PushMessage.browserWaiting(householdId, at);
        }
        PushMessage.Alert pushed = switch (alert.kind()) {
            case CLAIM_REFUSED -> PushMessage.Alert.CLAIM_REFUSED;
            case PAIRING_MODE -> PushMessage.Alert.PAIRING_MODE;
            case TAMPER -> PushMessage.Alert.TAMPER;
            case RESET_PENDING -> PushMessage.Alert.RESET_PENDING;
            default -> null;
        };
        return pushed == null || alert.device() == null
                ? null
                : PushMessage.alert(pushed, householdId, alert.device(), alert.eventId(), at);
    }
}

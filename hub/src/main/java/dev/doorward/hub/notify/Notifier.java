package dev.doorward.hub.notify;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The one way features tell members something. It decides who may hear a notice — a notice about a doorbell only
 * reaches members whose access includes that doorbell now (DESIGN §8), an admins' notice only owners and admins —
 * and hands it to every channel. Channels return at once, so this is safe on the path from a button to the ring.
 */
@Component
public class Notifier {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    private final List<NoticeChannel> channels;
    private final MemberDirectory members;

    Notifier(List<NoticeChannel> channels, MemberDirectory members) {
        this.channels = List.copyOf(channels);
        this.members = members;
    }

    /** Every member of the household who may hear it (for a doorbell's notice: who may use that doorbell now). */
    public void toHousehold(String householdId, Notice notice) {
        deliver(householdAudience(householdId, notice, false), notice);
    }

    /**
     * Tells the household a doorbell's notice now, on the calling thread (the network thread that read a ring), if
     * that needs nothing but memory and no channel would wait; otherwise tells no one and returns false, and the
     * caller tells it with {@link #toHousehold} on a thread that may wait. The same rule decides who hears it.
     */
    public boolean toHouseholdAtOnce(String householdId, Notice notice) {
        Optional<Predicate<String>> mayHear =
                notice.deviceId().flatMap(device -> members.mayUseKnownNow(householdId, device));
        if (mayHear.isEmpty()) {
            return false;
        }
        Audience.Household audience = new Audience.Household(householdId, mayHear.get(), false);
        for (NoticeChannel channel : channels) {
            if (!channel.takesAtOnce(audience)) {
                return false;
            }
        }
        for (NoticeChannel channel : channels) {
            try {
                channel.deliverAtOnce(audience, notice);
            } catch (RuntimeException e) {
                couldNotTake(channel, notice, e);
            }
        }
        return true;
    }

    /** The household's owners and admins (a browser waiting for approval, a member who left). */
    public void toAdmins(String householdId, Notice notice) {
        deliver(householdAudience(householdId, notice, true), notice);
    }

    /**
     * Who of the household may hear the notice: its admins, or every member whose access includes the doorbell the
     * notice is about. The one place of the rule; a cluster node applies it to a notice another node sent.
     */
    public Audience.Household householdAudience(String householdId, Notice notice, boolean adminsOnly) {
        if (adminsOnly) {
            return new Audience.Household(householdId, account -> members.isAdmin(account, householdId), true);
        }
        Predicate<String> mayHear = notice.deviceId()
                .filter(device -> members.anyRestriction(householdId))
                .<Predicate<String>>map(device -> account -> members.mayUse(account, householdId, device))
                .orElse(account -> true);
        return new Audience.Household(householdId, mayHear, false);
    }

    /** Every open app of one account (its claim's progress, an alert about its own membership). */
    public void toAccount(String accountId, Notice notice) {
        deliver(new Audience.Account(accountId), notice);
    }

    /** Every signed-in member of every household: the hub's own state (its database lost and back). */
    public void toEveryone(Notice notice) {
        deliver(new Audience.Everyone(), notice);
    }

    /** A household's notice another cluster node told: only channels that one node sends on take it. */
    public void fromAnotherNode(Audience.Household audience, Notice notice) {
        for (NoticeChannel channel : channels) {
            if (channel instanceof OneNodeChannel oneNode) {
                try {
                    oneNode.fromAnotherNode(audience, notice);
                } catch (RuntimeException e) {
                    log.warn(
                            "The {} channel could not take a relayed {}: {}",
                            channel.getClass().getSimpleName(),
                            notice.getClass().getSimpleName(),
                            e.toString());
                }
            }
        }
    }

    private void deliver(Audience audience, Notice notice) {
        for (NoticeChannel channel : channels) {
            try {
                channel.deliver(audience, notice);
            } catch (RuntimeException e) {
                couldNotTake(channel, notice, e);
            }
        }
    }

    /** One channel's failure never keeps a notice from the others. */
    private static void couldNotTake(NoticeChannel channel, Notice notice, RuntimeException e) {
        log.warn(
                "The {} channel could not take a {}: {}",
                channel.getClass().getSimpleName(),
                notice.getClass().getSimpleName(),
                e.toString());
    }
}

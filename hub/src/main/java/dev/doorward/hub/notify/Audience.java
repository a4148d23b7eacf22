package dev.doorward.hub.notify;

import java.util.function.Predicate;

/** Who hears a notice: members of a household the notifier let through, one account, or everyone. */
public sealed interface Audience {

    /**
     * The members of a household for whom {@code mayHear} holds (it already applies each member's access to the
     * doorbell the notice is about, and the admins-only rule). Channels test it once per account and delivery.
     * {@code adminsOnly} says which rule it is, for another cluster node that decides again with its own
     * {@link Notifier#householdAudience}.
     */
    record Household(String householdId, Predicate<String> mayHear, boolean adminsOnly) implements Audience {}

    /** Every browser of one account, whatever its households. */
    record Account(String accountId) implements Audience {}

    /** Every signed-in member of every household (the hub's own state, such as a lost database). */
    record Everyone() implements Audience {}
}

package dev.doorward.hub.notify;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the notifier needs to know about members, implemented by the features that know it (so this package
 * depends on none of them).
 */
public interface MemberDirectory {
    /** Whether anyone in the household has restricted access (when not, every member may use every doorbell). */
    boolean anyRestriction(String householdId);

    /** Whether the account may use this doorbell now (its doorbells, hours and last day). */
    boolean mayUse(String accountId, String householdId, String deviceId);

    /**
     * Who may use this doorbell, decided from what is in memory now and never by reading: the same rule as
     * {@link #mayUse}, for the household's access as known at this moment; empty when it is not known without a read.
     */
    Optional<Predicate<String>> mayUseKnownNow(String householdId, String deviceId);

    /** Whether the account is an owner or admin of the household. */
    boolean isAdmin(String accountId, String householdId);
}

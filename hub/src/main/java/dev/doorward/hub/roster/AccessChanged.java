package dev.doorward.hub.roster;

import java.util.List;

/**
 * Who may use which doorbell changed in these households (a roster stored, a browser revoked, an account deleted),
 * published by {@link MemberAccess} once the change has committed: another cluster node reloads them.
 */
public record AccessChanged(List<String> householdIds) {}

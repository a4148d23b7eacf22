package dev.doorward.hub.shared;

/** An account left a household (removed by an admin): whatever it was watching or holding there ends. */
public record MemberRemoved(String accountId, String householdId) {}

package dev.doorward.hub.shared;

import java.util.List;

/**
 * An account was deleted (after the deletion committed), with the households it owned, which are gone too.
 * Whatever is kept in memory for them (pending claims, live views) ends.
 */
public record AccountDeleted(String accountId, List<String> deletedHouseholdIds) {}

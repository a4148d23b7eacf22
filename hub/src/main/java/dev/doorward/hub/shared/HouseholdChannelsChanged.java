package dev.doorward.hub.shared;

/**
 * A member's push subscription, push preference or ntfy topic changed and the change committed: what the ring's
 * channels remember of households ({@link HouseholdMemory}) is read again, on this node and (relayed by the
 * cluster) on every other.
 */
public record HouseholdChannelsChanged() {}

package dev.doorward.hub.database;

/**
 * The hub's database became unreachable ({@code up == false}) or reachable again. Published once per change by
 * the {@link DatabaseWatchdog}, so the owners' app can say why history and settings are not working for now.
 */
public record DatabaseHealthChanged(boolean up) {}

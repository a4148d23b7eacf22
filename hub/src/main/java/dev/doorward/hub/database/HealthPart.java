package dev.doorward.hub.database;

/**
 * A part of the hub besides its database whose loss leaves it degraded but serving (a cluster node's messaging):
 * {@code /api/health} names it while it is down.
 */
public interface HealthPart {
    /** Its name in the health answer ({@code "cluster"}). */
    String name();

    boolean up();

    /** What it being down means, for the health answer ({@code "cluster messaging unavailable"}). */
    String downMeans();
}

package dev.doorward.hub.cluster;

/**
 * Marks the thread while this node re-publishes, as its own Spring events, what another node told it: whatever
 * those events set off here is not sent back to the cluster.
 */
final class Relaying {
    private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> false);

    private Relaying() {}

    static boolean active() {
        return ACTIVE.get();
    }

    static void run(Runnable action) {
        ACTIVE.set(true);
        try {
            action.run();
        } finally {
            ACTIVE.set(false);
        }
    }
}

package dev.doorward.hub.shared;

/**
 * On a cluster node: a duty that only one node may do at a time (the MQTT links: a broker takes over a client id
 * that connects twice). Implemented by the cluster ({@code cluster.ClusterLeases}); a single hub has no such bean and
 * simply does the duty itself.
 */
public interface Leases {
    /**
     * Starts competing for the named lease. {@code holder} is called on the lease's own threads and must return at
     * once: {@code taken} when this node gets it, {@code renewed} every few seconds while it keeps it, {@code lost}
     * when it must stop (another node has it, or this node could not renew it in time and another may take it).
     */
    void follow(String name, Holder holder);

    /** This node's name, as the lease table knows its holder. */
    String node();

    interface Holder {
        void taken();

        void renewed();

        void lost();
    }
}

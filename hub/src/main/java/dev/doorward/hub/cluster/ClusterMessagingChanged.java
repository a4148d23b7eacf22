package dev.doorward.hub.cluster;

/** This node lost or regained the other nodes (its NATS connection). */
record ClusterMessagingChanged(boolean up) {}

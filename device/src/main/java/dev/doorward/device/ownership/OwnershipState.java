package dev.doorward.device.ownership;

/** Who this device answers to. The device's own record is authoritative, not the hub's. */
public enum OwnershipState {
    /** Never claimed, or released: the only state in which a claim is possible. */
    FACTORY_NEW,
    /** Bound to one hub and one owner key; every claim is refused. */
    OWNED
    // RESET_PENDING (physical reset during the owner's cooling-off period) comes later.
}

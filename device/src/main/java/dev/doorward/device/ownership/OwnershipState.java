package dev.doorward.device.ownership;

/** Who this device answers to. The device's own record is authoritative, not the hub's. */
public enum OwnershipState {
    /** Never claimed, or released: the only state in which a claim is possible. */
    FACTORY_NEW,
    /** Bound to one hub and one owner key; every claim is refused. */
    OWNED,
    /**
     * Someone reset the device physically (long hold or reset pin). It stays fully owned (rings, link, every
     * claim refused) until the cooling-off period ends; the owner can veto until then.
     */
    RESET_PENDING
}

package dev.doorward.crypto.pki;

import java.util.Optional;

/** What a Doorward certificate is for, recorded in its subject's organizational unit. */
public enum CertificateKind {
    /** Root that vouches for genuine devices; its key stays offline at the factory. */
    MANUFACTURER_CA("doorward-manufacturer-ca", true),
    /** Each hub's own root: signs the hub's TLS certificate and the operational certificates. */
    HUB_CA("doorward-hub-ca", true),
    /** "A genuine device with serial S" and nothing more; never grants access by itself. */
    DEVICE("doorward-device", false),
    /** Issued by a hub to a device it has claimed. */
    OPERATIONAL("doorward-operational", false),
    /** A hub's TLS server certificate. */
    SERVER("doorward-server", false),
    UNKNOWN(null, false);

    private final String organizationalUnit;
    private final boolean authority;

    CertificateKind(String organizationalUnit, boolean authority) {
        this.organizationalUnit = organizationalUnit;
        this.authority = authority;
    }

    /** The OU value, empty for {@link #UNKNOWN}. */
    public Optional<String> organizationalUnit() {
        return Optional.ofNullable(organizationalUnit);
    }

    public boolean isAuthority() {
        return authority;
    }

    static CertificateKind ofOrganizationalUnit(String ou) {
        for (CertificateKind kind : values()) {
            if (kind.organizationalUnit != null && kind.organizationalUnit.equals(ou)) {
                return kind;
            }
        }
        return UNKNOWN;
    }
}

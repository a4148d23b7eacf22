package dev.doorward.hub.shared;

import java.util.Locale;

/** A member's role in a household. */
public enum Role {
    OWNER,
    ADMIN,
    RESIDENT,
    GUEST;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromDb(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public boolean isAdmin() {
        return this == OWNER || this == ADMIN;
    }
}

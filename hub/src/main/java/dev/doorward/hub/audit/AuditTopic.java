package dev.doorward.hub.audit;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the security log screen filters by: who got in, what the doorbells did, who looked at pictures. */
public enum AuditTopic {
    ALL,
    /** Sign-ins, members, invitations, browsers, sessions, rosters, accounts. */
    ACCESS,
    /** Claims, resets, releases, the door, settings, certificates, integrations: whatever is not the others. */
    DOORBELLS,
    /** Snapshots, clips and live views opened. */
    MEDIA;

    static final List<String> MEDIA_ACTIONS = List.of("media-fetched", "live-view");
    static final List<String> ACCESS_ACTIONS = List.of(
            "signed-in",
            "sign-in-failed",
            "household-created",
            "invitation-created",
            "invitation-revoked",
            "member-added",
            "member-removed",
            "member-account-deleted",
            "client-registered",
            "browser-revoked",
            "session-ended",
            "roster-signed",
            "roster-refused",
            "account-deleted",
            "account-deletion-refused");

    /** The topic a request names ({@code all}, {@code access}, {@code doorbells}, {@code media}), if it is one. */
    public static Optional<AuditTopic> named(String name) {
        for (AuditTopic topic : values()) {
            if (topic.name().toLowerCase(Locale.ROOT).equals(name)) {
                return Optional.of(topic);
            }
        }
        return Optional.empty();
    }
}

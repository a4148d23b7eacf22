package dev.doorward.hub.shared;

/**
 * A signed-in browser session ended: signed out, expired, ended from the safety check, or its account deleted.
 * The id is the session cookie's value: never log it or send it anywhere.
 */
public record SessionEnded(String sessionId) {
    @Override
    public String toString() {
        return "SessionEnded[[REDACTED]]";
    }
}

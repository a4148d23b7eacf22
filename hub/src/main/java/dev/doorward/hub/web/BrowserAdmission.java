package dev.doorward.hub.web;

/**
 * Whom a browser socket on the live port was opened as: the signed-in account and the browser session (the cookie's
 * id, so the socket closes when that session ends). Never printed whole: the session id is a bearer secret.
 */
public record BrowserAdmission(String accountId, String username, String sessionId) {
    @Override
    public String toString() {
        return "BrowserAdmission[" + accountId + ", [REDACTED]]";
    }
}

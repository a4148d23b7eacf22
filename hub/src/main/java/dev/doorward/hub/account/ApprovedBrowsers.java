package dev.doorward.hub.account;

/**
 * Whether a sign-in comes from one of the account's approved browsers: one whose signing key is in a signed roster
 * of one of the account's households, proven by a signature made with that key (which never leaves the browser)
 * over {@link #statement}. Such a sign-in does not count against the per-account ceiling ({@link SignInLimits}):
 * guessers elsewhere cannot keep the owner's own browser out.
 */
public interface ApprovedBrowsers {
    /**
     * What the browser signs: the username and the page's CSRF token (random per browser, checked on every
     * sign-in), so a proof is bound to the browser that made it.
     */
    static String statement(String normalizedUsername, String csrfToken) {
        return "doorward-sign-in\n" + normalizedUsername + "\n" + csrfToken;
    }

    /**
     * @param signerPublicKey the browser's signing key (SPKI, base64url)
     * @param signature its signature over {@link #statement} (P-256, r‖s, base64url)
     */
    boolean proves(String normalizedUsername, String csrfToken, String signerPublicKey, String signature);
}

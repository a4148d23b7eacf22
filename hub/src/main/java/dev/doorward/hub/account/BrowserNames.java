package dev.doorward.hub.account;

/**
 * A browser's default name, from its User-Agent: "Firefox on Android", "Chrome on Windows". Only the browser and the
 * platform, never a version (nothing here is a fingerprint), and "Browser" when neither is recognised. The member
 * can rename it; the name is theirs to read, the hub never decides anything by it.
 */
public final class BrowserNames {
    /** The longest name kept (a renamed browser's, too). */
    public static final int MAX_LENGTH = 64;

    private BrowserNames() {}

    public static String fromUserAgent(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return "Browser";
        }
        String ua = userAgent.length() > 512 ? userAgent.substring(0, 512) : userAgent;
        String browser = browser(ua);
        String platform = platform(ua);
        if (browser == null && platform == null) {
            return "Browser";
        }
        if (browser == null) {
            return "Browser on " + platform;
        }
        return platform == null ? browser : browser + " on " + platform;
    }

    // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Chrome on iOS says "CriOS".
    private static String browser(String ua) {
        if (ua.contains("Edg/") || ua.contains("EdgA/") || ua.contains("EdgiOS/")) {
            return "Edge";
        }
        if (ua.contains("OPR/") || ua.contains("Opera")) {
            return "Opera";
        }
        if (ua.contains("SamsungBrowser/")) {
            return "Samsung Internet";
        }
        if (ua.contains("Firefox/") || ua.contains("FxiOS/")) {
            return "Firefox";
        }
        if (ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/")) {
            return "Chrome";
        }
        if (ua.contains("Safari/")) {
            return "Safari";
        }
        return null;
    }

    private static String platform(String ua) {
        if (ua.contains("Android")) {
            return "Android";
        }
        if (ua.contains("iPhone")) {
            return "iPhone";
        }
        if (ua.contains("iPad")) {
            return "iPad";
        }
        if (ua.contains("CrOS")) {
            return "ChromeOS";
        }
        if (ua.contains("Windows")) {
            return "Windows";
        }
        if (ua.contains("Macintosh") || ua.contains("Mac OS X")) {
            return "Mac";
        }
        if (ua.contains("Linux") || ua.contains("X11")) {
            return "Linux";
        }
        return null;
    }

    /** A name a member typed: trimmed, control characters refused by the caller, at most {@link #MAX_LENGTH}. */
    public static boolean acceptable(String name) {
        return name != null
                && !name.isBlank()
                && name.strip().length() <= MAX_LENGTH
                && name.chars().noneMatch(Character::isISOControl);
    }
}

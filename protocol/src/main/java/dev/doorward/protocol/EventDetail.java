package dev.doorward.protocol;

import java.util.regex.Pattern;

/**
 * The one place that says what an event's {@code detail} must look like when the hub acts on it. The codec
 * checks every event with {@link #check}, so a malformed detail is refused as {@code invalid-field} at the
 * boundary — never accepted, failing later inside the hub, and resent by the doorbell forever.
 *
 * <ul>
 *   <li>{@code reset-pending}: {@code until=<epoch ms>} (a time the codec accepts), required;
 *   <li>{@code setting-changed}: {@code cooling-off=<seconds>}, 0 to 30 days, or {@code motion=<setting>}
 *       ({@link MotionSetting}), required;
 *   <li>{@code claim-refused}: {@code ticket:<id>} or {@code foreign-hub}, required;
 *   <li>every other kind: free text (length checked by the codec).
 * </ul>
 */
public final class EventDetail {
    public static final String UNTIL = "until=";
    public static final String COOLING_OFF = "cooling-off=";
    public static final String MOTION = "motion=";
    public static final String TICKET = "ticket:";
    public static final String FOREIGN_HUB = "foreign-hub";

    /** At most 19 digits: anything longer cannot be a long, and is refused before it is parsed. */
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,18}");

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");

    private EventDetail() {}

    /** Refuses a detail the hub could not act on. */
    public static void check(EventKind kind, String detail) throws ProtocolException {
        switch (kind) {
            case RESET_PENDING -> resetUntil(detail);
            case SETTING_CHANGED -> {
                if (detail != null && detail.startsWith(MOTION)) {
                    motionSetting(detail);
                } else {
                    coolingOffSeconds(detail);
                }
            }
            case CLAIM_REFUSED -> claimRefusedTicket(detail);
            default -> {
                // free text
            }
        }
    }

    /** The deadline of a {@code reset-pending} event, in epoch milliseconds. */
    public static long resetUntil(String detail) throws ProtocolException {
        long until = number(detail, UNTIL, "reset-pending");
        if (until < LinkCodec.MIN_TIME || until > LinkCodec.MAX_TIME) {
            throw invalid("reset-pending: deadline out of range");
        }
        return until;
    }

    /** The cooling-off period a {@code setting-changed} event reports, in seconds. */
    public static long coolingOffSeconds(String detail) throws ProtocolException {
        long seconds = number(detail, COOLING_OFF, "setting-changed");
        if (seconds > Limits.MAX_COOLING_OFF_SECONDS) {
            throw invalid("setting-changed: cooling-off out of range");
        }
        return seconds;
    }

    /** The motion setting a {@code setting-changed} event reports. */
    public static MotionSetting motionSetting(String detail) throws ProtocolException {
        if (detail == null || !detail.startsWith(MOTION)) {
            throw invalid("setting-changed: detail must be 'motion=<setting>'");
        }
        return MotionSetting.parse(detail.substring(MOTION.length()));
    }

    /** The ticket a {@code claim-refused} event names, or null for a claim code of another hub. */
    public static String claimRefusedTicket(String detail) throws ProtocolException {
        if (FOREIGN_HUB.equals(detail)) {
            return null;
        }
        if (detail != null && detail.startsWith(TICKET)) {
            String ticket = detail.substring(TICKET.length());
            if (ID.matcher(ticket).matches()) {
                return ticket;
            }
        }
        throw invalid("claim-refused: detail must be 'ticket:<id>' or 'foreign-hub'");
    }

    private static long number(String detail, String prefix, String kind) throws ProtocolException {
        if (detail == null || !detail.startsWith(prefix)) {
            throw invalid(kind + ": detail must be '" + prefix + "<number>'");
        }
        String digits = detail.substring(prefix.length());
        if (!NUMBER.matcher(digits).matches()) {
            throw invalid(kind + ": detail must be '" + prefix + "<number>'");
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw invalid(kind + ": number out of range");
        }
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, message);
    }
}

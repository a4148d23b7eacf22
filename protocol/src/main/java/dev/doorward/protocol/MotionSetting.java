package dev.doorward.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The owner's motion setting for one doorbell: motion detection on or off, and the zones of the picture where
 * motion counts (none: the whole picture). Zones are rectangles of cells of a {@value #COLUMNS} x
 * {@value #ROWS} grid laid over the picture, as the owner drew them on a snapshot; motion outside every zone is
 * ignored by the doorbell.
 *
 * <p>It travels as the value of an owner statement ({@code doorward-motion:1:<deviceId>:<epoch ms>:<value>},
 * signed by an owner or admin browser, checked by the doorbell like a release) in a {@code set-motion} message,
 * and comes back as the detail {@code motion=<value>} of the doorbell's {@code setting-changed} event. The value
 * is {@code on} or {@code off}, then {@code ;x,y,w,h} per zone in grid cells, e.g. {@code on;0,6,16,6} (the
 * lower half). The text has one spelling per setting, so the browser, the hub and the doorbell agree on it
 * byte for byte.
 */
public record MotionSetting(boolean enabled, List<Zone> zones) {
    public static final int COLUMNS = 16;
    public static final int ROWS = 12;
    public static final int MAX_ZONES = 8;
    public static final String STATEMENT_KIND = "doorward-motion";

    private static final Pattern CELL = Pattern.compile("0|[1-9][0-9]?");

    /** A rectangle of grid cells: columns {@code x..x+width-1}, rows {@code y..y+height-1}. */
    public record Zone(int x, int y, int width, int height) {
        public Zone {
            if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > COLUMNS || y + height > ROWS) {
                throw new IllegalArgumentException(
                        "a motion zone must lie inside the " + COLUMNS + "x" + ROWS + " grid");
            }
        }
    }

    public MotionSetting {
        if (zones.size() > MAX_ZONES) {
            throw new IllegalArgumentException("at most " + MAX_ZONES + " motion zones");
        }
        zones = List.copyOf(zones);
    }

    /** The setting's one spelling, e.g. {@code on;0,6,16,6}. */
    public String format() {
        StringBuilder text = new StringBuilder(enabled ? "on" : "off");
        for (Zone z : zones) {
            text.append(';')
                    .append(z.x())
                    .append(',')
                    .append(z.y())
                    .append(',')
                    .append(z.width())
                    .append(',')
                    .append(z.height());
        }
        return text.toString();
    }

    /**
     * Reads a setting, refusing anything that is not its one spelling (so a setting read and formatted again
     * gives the same bytes that were signed).
     */
    public static MotionSetting parse(String text) throws ProtocolException {
        if (text == null || text.length() > 16 + MAX_ZONES * 12) {
            throw invalid("motion setting missing or too long");
        }
        String[] parts = text.split(";", -1);
        boolean enabled;
        switch (parts[0]) {
            case "on" -> enabled = true;
            case "off" -> enabled = false;
            default -> throw invalid("motion setting must start with 'on' or 'off'");
        }
        if (parts.length - 1 > MAX_ZONES) {
            throw invalid("at most " + MAX_ZONES + " motion zones");
        }
        List<Zone> zones = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String[] numbers = parts[i].split(",", -1);
            if (numbers.length != 4) {
                throw invalid("a motion zone is x,y,w,h");
            }
            int[] v = new int[4];
            for (int j = 0; j < 4; j++) {
                if (!CELL.matcher(numbers[j]).matches()) {
                    throw invalid("a motion zone is x,y,w,h in grid cells");
                }
                v[j] = Integer.parseInt(numbers[j]);
            }
            try {
                zones.add(new Zone(v[0], v[1], v[2], v[3]));
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }
        return new MotionSetting(enabled, zones);
    }

    /**
     * The setting a statement {@code doorward-motion:1:<deviceId>:<epoch ms>:<setting>} carries; checks its
     * shape only (who signed it, for which device and when is the doorbell's to check).
     */
    public static MotionSetting ofStatement(String statement) throws ProtocolException {
        String prefix = STATEMENT_KIND + ":1:";
        if (statement == null || !statement.startsWith(prefix)) {
            throw invalid("not a motion statement");
        }
        String[] parts = statement.substring(prefix.length()).split(":", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[1].matches("[0-9]{1,15}")) {
            throw invalid("a motion statement is " + prefix + "<device>:<time>:<setting>");
        }
        return parse(parts[2]);
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, message);
    }
}

package dev.doorward.protocol;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The household roster: the list of member clients the device trusts, signed by an owner or admin client
 * (DESIGN §3, §8). This class is only the format; the device checks signatures, fingerprints and the chain
 * ({@code dev.doorward.device.ownership.RosterVerifier}). Nothing cryptographic is computed here.
 *
 * <p>The canonical text is what gets signed, so a browser must be able to produce it byte for byte. It is
 * ASCII lines joined by {@code "\n"}, with no trailing newline and nothing optional:
 *
 * <pre>
 * doorward-roster:1
 * household:&lt;22-char id&gt;
 * epoch:&lt;decimal, at least 1, no leading zeros&gt;
 * previous:&lt;base64url SHA-256 of the previous roster's text (43 chars), or "-" exactly when epoch is 1&gt;
 * issued:&lt;epoch millis, decimal, no leading zeros&gt;
 * client:&lt;clientId&gt;:&lt;role&gt;:&lt;signing key fingerprint&gt;:&lt;signing key SPKI&gt;:&lt;agreement key SPKI&gt;:&lt;validUntil millis or "-"&gt;
 * ...
 * access:&lt;clientId&gt;:&lt;device ids joined by "," or "*"&gt;:&lt;schedule or "-"&gt;
 * ...
 * </pre>
 *
 * <p>An {@code access:} line restricts one member (never the owner) to some doorbells and/or a weekly
 * schedule; a member without one may use every doorbell at any time. Access lines follow the client lines,
 * sorted by client id, at most one per client, each naming a listed client; device ids are sorted and
 * distinct. A schedule is {@code DDDDDDD/HHMM-HHMM/±HHMM}: seven 0/1 flags Monday to Sunday, a daily window
 * (start before end, minutes of the local day) and the local offset from UTC — the doorbell checks it with
 * its own clock.
 *
 * <ul>
 *   <li>One {@code client:} line per member, 1 to {@value #MAX_MEMBERS}, sorted by client id in plain
 *       code-unit order (JavaScript's default {@code sort()} / {@code <} on these ASCII ids, not
 *       {@code localeCompare}), no duplicates.
 *   <li>Roles are {@code owner}, {@code admin}, {@code resident}, {@code guest}. There is exactly one owner,
 *       and the owner has no expiry ({@code "-"}): a household can never lock itself out by letting its owner
 *       lapse.
 *   <li>Keys are unpadded base64url of the SubjectPublicKeyInfo (WebCrypto {@code exportKey("spki")}), at most
 *       {@value #MAX_KEY_CHARS} characters, in canonical form (the one encoding that decodes to those bytes).
 *   <li>No two members share a signing key fingerprint.
 *   <li>The whole text is at most {@value #MAX_TEXT_CHARS} characters (= bytes: it is ASCII). With real
 *       P-256 keys a client line is about 340 characters, so this bound, not {@value #MAX_MEMBERS}, limits a
 *       roster to about 47 members.
 * </ul>
 *
 * Anything else is refused with an {@link IllegalArgumentException} whose message names the line but never
 * echoes its content.
 *
 * <p>One class: the format and its parser must agree byte for byte with the web app, which writes and signs the
 * rosters; most of the length is the check of each kind of line, which has no other user.
 */
public record Roster(
        String householdId, long epoch, String previousHash, long issuedAt, List<Member> members, List<Access> access) {

    public static final String HEADER = "doorward-roster:1";
    /** The {@code previous:} value of the first roster (epoch 1). */
    public static final String NO_PREVIOUS = "-";

    public static final int MAX_MEMBERS = 64;
    public static final int MAX_TEXT_CHARS = 16 * 1024;
    public static final int MAX_KEY_CHARS = 200;

    private static final String NO_EXPIRY = "-";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final Pattern HASH = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_KEY_CHARS + "}");
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,18}");

    /** A member's role, with the name it has in the text. */
    public enum Role {
        OWNER("owner"),
        ADMIN("admin"),
        RESIDENT("resident"),
        GUEST("guest");

        private final String wireName;

        Role(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Role fromWire(String name) {
            for (Role role : values()) {
                if (role.wireName.equals(name)) {
                    return role;
                }
            }
            throw new IllegalArgumentException("unknown role");
        }
    }

    /**
     * One member client. Keys are unpadded base64url SPKI text; {@code validUntilOrNull} is epoch millis, or
     * null for no expiry.
     */
    public record Member(
            String clientId,
            Role role,
            String signingKeyFingerprint,
            String signingKey,
            String agreementKey,
            Long validUntilOrNull) {

        public Member {
            if (clientId == null || !ID.matcher(clientId).matches()) {
                throw new IllegalArgumentException("client id is not an id");
            }
            Objects.requireNonNull(role, "role");
            if (signingKeyFingerprint == null
                    || !HASH.matcher(signingKeyFingerprint).matches()) {
                throw new IllegalArgumentException("signing key fingerprint is not a SHA-256 fingerprint");
            }
            if (!isCanonicalBase64Url(signingKey)) {
                throw new IllegalArgumentException("signing key is not canonical base64url");
            }
            if (!isCanonicalBase64Url(agreementKey)) {
                throw new IllegalArgumentException("agreement key is not canonical base64url");
            }
            if (validUntilOrNull != null && validUntilOrNull < 0) {
                throw new IllegalArgumentException("validity is negative");
            }
            if (role == Role.OWNER && validUntilOrNull != null) {
                throw new IllegalArgumentException("the owner cannot expire");
            }
        }

        public Optional<Long> validUntil() {
            return Optional.ofNullable(validUntilOrNull);
        }

        public byte[] signingKeyBytes() {
            return Base64.getUrlDecoder().decode(signingKey);
        }

        public byte[] agreementKeyBytes() {
            return Base64.getUrlDecoder().decode(agreementKey);
        }

        String line() {
            return "client:" + clientId + ":" + role.wireName() + ":" + signingKeyFingerprint + ":" + signingKey + ":"
                    + agreementKey + ":" + (validUntilOrNull == null ? NO_EXPIRY : validUntilOrNull);
        }

        @Override
        public String toString() {
            return "Member[" + clientId + ", " + role.wireName() + ", key " + signingKeyFingerprint + "]";
        }
    }

    /**
     * When a member may use the household's doorbells: a weekly window at a fixed UTC offset.
     *
     * @param days bit 0 = Monday … bit 6 = Sunday
     * @param fromMinute start of the daily window, minutes after local midnight (inclusive)
     * @param toMinute end of the daily window (exclusive), after {@code fromMinute}, at most 1440
     * @param offsetMinutes the local time's offset from UTC, −18 h to +18 h
     */
    public record Schedule(int days, int fromMinute, int toMinute, int offsetMinutes) {
        private static final Pattern TEXT = Pattern.compile("([01]{7})/(\\d{4})-(\\d{4})/([+-])(\\d{4})");

        public Schedule {
            if (days <= 0 || days > 0x7f) {
                throw new IllegalArgumentException("a schedule has at least one day");
            }
            if (fromMinute < 0 || toMinute > 1440 || fromMinute >= toMinute) {
                throw new IllegalArgumentException("a schedule's window starts before it ends, within a day");
            }
            if (Math.abs(offsetMinutes) > 18 * 60) {
                throw new IllegalArgumentException("a UTC offset is within ±18 hours");
            }
        }

        /** Whether the schedule allows {@code atMillis} (epoch millis). */
        public boolean allows(long atMillis) {
            long local = Math.floorDiv(atMillis, 60_000L) + offsetMinutes;
            long day = Math.floorDiv(local, 1440);
            int minute = (int) Math.floorMod(local, 1440);
            // 1970-01-01 was a Thursday: Monday-based index 3.
            int weekday = (int) Math.floorMod(day + 3, 7);
            return (days & (1 << weekday)) != 0 && minute >= fromMinute && minute < toMinute;
        }

        String text() {
            StringBuilder flags = new StringBuilder(7);
            for (int i = 0; i < 7; i++) {
                flags.append((days & (1 << i)) != 0 ? '1' : '0');
            }
            int offset = Math.abs(offsetMinutes);
            return flags + "/" + hhmm(fromMinute) + "-" + hhmm(toMinute) + "/" + (offsetMinutes < 0 ? "-" : "+")
                    + hhmm(offset);
        }

        private static String hhmm(int minutes) {
            return String.format(java.util.Locale.ROOT, "%02d%02d", minutes / 60, minutes % 60);
        }

        static Schedule parse(String text) {
            java.util.regex.Matcher m = TEXT.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("schedule is not DDDDDDD/HHMM-HHMM/±HHMM");
            }
            int days = 0;
            for (int i = 0; i < 7; i++) {
                if (m.group(1).charAt(i) == '1') {
                    days |= 1 << i;
                }
            }
            int offset = minutes(m.group(5)) * (m.group(4).equals("-") ? -1 : 1);
            if (offset == 0 && m.group(4).equals("-")) {
                throw new IllegalArgumentException("schedule is not in canonical form");
            }
            return new Schedule(days, minutes(m.group(2)), minutes(m.group(3)), offset);
        }

        private static int minutes(String hhmm) {
            int hours = Integer.parseInt(hhmm.substring(0, 2));
            int minutes = Integer.parseInt(hhmm.substring(2));
            if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) {
                throw new IllegalArgumentException("schedule time out of range");
            }
            return hours * 60 + minutes;
        }
    }

    /**
     * A member's restriction: only these doorbells (empty = all of the household's) and/or only within a
     * schedule (null = any time).
     */
    public record Access(String clientId, List<String> deviceIds, Schedule scheduleOrNull) {
        public Access {
            if (clientId == null || !ID.matcher(clientId).matches()) {
                throw new IllegalArgumentException("access names no client id");
            }
            deviceIds = List.copyOf(deviceIds);
            for (int i = 0; i < deviceIds.size(); i++) {
                if (!ID.matcher(deviceIds.get(i)).matches()) {
                    throw new IllegalArgumentException("access lists a device id that is not an id");
                }
                if (i > 0 && deviceIds.get(i - 1).compareTo(deviceIds.get(i)) >= 0) {
                    throw new IllegalArgumentException("access device ids are not sorted or are repeated");
                }
            }
            if (deviceIds.isEmpty() && scheduleOrNull == null) {
                throw new IllegalArgumentException("an access line restricts something");
            }
        }

        /** Whether this member may use {@code deviceId} at {@code atMillis}. */
        public boolean allows(String deviceId, long atMillis) {
            return allowsDevice(deviceId) && (scheduleOrNull == null || scheduleOrNull.allows(atMillis));
        }

        public boolean allowsDevice(String deviceId) {
            return deviceIds.isEmpty() || deviceIds.contains(deviceId);
        }

        String line() {
            return "access:" + clientId + ":" + (deviceIds.isEmpty() ? "*" : String.join(",", deviceIds)) + ":"
                    + (scheduleOrNull == null ? "-" : scheduleOrNull.text());
        }
    }

    /** A roster without access restrictions. */
    public Roster(String householdId, long epoch, String previousHash, long issuedAt, List<Member> members) {
        this(householdId, epoch, previousHash, issuedAt, members, List.of());
    }

    public Roster {
        if (householdId == null || !ID.matcher(householdId).matches()) {
            throw new IllegalArgumentException("household id is not an id");
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1");
        }
        if (epoch == 1) {
            if (!NO_PREVIOUS.equals(previousHash)) {
                throw new IllegalArgumentException("the first roster has no previous roster");
            }
        } else if (previousHash == null || !HASH.matcher(previousHash).matches()) {
            throw new IllegalArgumentException("previous hash is not a SHA-256 hash");
        }
        if (issuedAt < 0) {
            throw new IllegalArgumentException("issue time is negative");
        }
        if (members == null || members.isEmpty() || members.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException("a roster has 1 to " + MAX_MEMBERS + " members");
        }
        members = List.copyOf(members);
        int owners = 0;
        Set<String> fingerprints = new HashSet<>();
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            if (i > 0 && members.get(i - 1).clientId().compareTo(member.clientId()) >= 0) {
                throw new IllegalArgumentException("clients are not sorted by id or are repeated");
            }
            if (!fingerprints.add(member.signingKeyFingerprint())) {
                throw new IllegalArgumentException("two clients share a signing key");
            }
            if (member.role() == Role.OWNER) {
                owners++;
            }
        }
        if (owners != 1) {
            throw new IllegalArgumentException("a roster has exactly one owner");
        }
        access = access == null ? List.of() : List.copyOf(access);
        for (int i = 0; i < access.size(); i++) {
            Access a = access.get(i);
            if (i > 0 && access.get(i - 1).clientId().compareTo(a.clientId()) >= 0) {
                throw new IllegalArgumentException("access lines are not sorted by client id or are repeated");
            }
            Member member = null;
            for (Member m : members) {
                if (m.clientId().equals(a.clientId())) {
                    member = m;
                }
            }
            if (member == null) {
                throw new IllegalArgumentException("an access line names a client that is not listed");
            }
            if (member.role() == Role.OWNER) {
                throw new IllegalArgumentException("the owner cannot be restricted");
            }
        }
        if (textOf(householdId, epoch, previousHash, issuedAt, members, access).length() > MAX_TEXT_CHARS) {
            throw new IllegalArgumentException("roster is too long");
        }
    }

    /** The canonical text: what is signed and hashed. */
    public String text() {
        return textOf(householdId, epoch, previousHash, issuedAt, members, access);
    }

    private static String textOf(
            String householdId,
            long epoch,
            String previousHash,
            long issuedAt,
            List<Member> members,
            List<Access> access) {
        StringBuilder text = new StringBuilder(256 + members.size() * 360);
        text.append(HEADER)
                .append("\nhousehold:")
                .append(householdId)
                .append("\nepoch:")
                .append(epoch)
                .append("\nprevious:")
                .append(previousHash)
                .append("\nissued:")
                .append(issuedAt);
        for (Member member : members) {
            text.append('\n').append(member.line());
        }
        for (Access a : access) {
            text.append('\n').append(a.line());
        }
        return text.toString();
    }

    /** Strictly parses a canonical text; {@code parse(r.text()).equals(r)} for every roster. */
    public static Roster parse(String text) {
        if (text == null || text.length() > MAX_TEXT_CHARS) {
            throw new IllegalArgumentException("roster is missing or too long");
        }
        String[] lines = text.split("\n", -1);
        if (lines.length < 6) {
            throw new IllegalArgumentException("roster is incomplete");
        }
        if (lines.length > 5 + 2 * MAX_MEMBERS) {
            throw new IllegalArgumentException("a roster has 1 to " + MAX_MEMBERS + " members");
        }
        if (!HEADER.equals(lines[0])) {
            throw new IllegalArgumentException("not a version 1 roster");
        }
        String householdId = value(lines[1], "household:", 2);
        long epoch = number(value(lines[2], "epoch:", 3), "line 3");
        String previous = value(lines[3], "previous:", 4);
        long issuedAt = number(value(lines[4], "issued:", 5), "line 5");
        List<Member> members = new ArrayList<>(lines.length - 5);
        List<Access> access = new ArrayList<>();
        for (int i = 5; i < lines.length; i++) {
            if (lines[i].startsWith("access:")) {
                access.add(parseAccess(lines[i], i + 1));
            } else if (!access.isEmpty()) {
                throw new IllegalArgumentException("line " + (i + 1) + " is a client line after an access line");
            } else {
                members.add(parseMember(lines[i], i + 1));
            }
        }
        Roster roster = new Roster(householdId, epoch, previous, issuedAt, members, access);
        if (!roster.text().equals(text)) {
            // Cannot happen if every field above is parsed strictly; kept as the definition of "canonical".
            throw new IllegalArgumentException("roster is not in canonical form");
        }
        return roster;
    }

    private static String value(String line, String prefix, int lineNumber) {
        if (!line.startsWith(prefix)) {
            throw new IllegalArgumentException("line " + lineNumber + " is not the expected '" + prefix + "' line");
        }
        return line.substring(prefix.length());
    }

    private static long number(String value, String what) {
        if (!NUMBER.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " is not a decimal number");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is out of range");
        }
    }

    private static Member parseMember(String line, int lineNumber) {
        if (!line.startsWith("client:")) {
            throw new IllegalArgumentException("line " + lineNumber + " is not a client line");
        }
        String[] parts = line.substring("client:".length()).split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("line " + lineNumber + " does not have six client fields");
        }
        try {
            Role role = Role.fromWire(parts[1]);
            Long validUntil = NO_EXPIRY.equals(parts[5]) ? null : number(parts[5], "validity");
            return new Member(parts[0], role, parts[2], parts[3], parts[4], validUntil);
        } catch (IllegalArgumentException e) {
            // The messages of Member and number() never contain field values, so they are safe to pass on.
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage());
        }
    }

    private static Access parseAccess(String line, int lineNumber) {
        String[] parts = line.substring("access:".length()).split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("line " + lineNumber + " does not have three access fields");
        }
        try {
            List<String> devices = "*".equals(parts[1]) ? List.of() : List.of(parts[1].split(",", -1));
            Schedule schedule = "-".equals(parts[2]) ? null : Schedule.parse(parts[2]);
            return new Access(parts[0], devices, schedule);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage());
        }
    }

    /** Whether any member is restricted: by doorbells, hours or an end date. */
    public boolean restrictsAnyone() {
        return !access.isEmpty()
                || members.stream().anyMatch(m -> m.validUntil().isPresent());
    }

    /** The restriction of one member, if any (none means every doorbell, any time). */
    public Optional<Access> accessOf(String clientId) {
        return access.stream().filter(a -> a.clientId().equals(clientId)).findFirst();
    }

    /** Owner of this roster (there is exactly one). */
    public Member owner() {
        return members.stream().filter(m -> m.role() == Role.OWNER).findFirst().orElseThrow();
    }

    public Optional<Member> member(String clientId) {
        return members.stream().filter(m -> m.clientId().equals(clientId)).findFirst();
    }

    public Optional<Member> memberWithFingerprint(String signingKeyFingerprint) {
        return members.stream()
                .filter(m -> m.signingKeyFingerprint().equals(signingKeyFingerprint))
                .findFirst();
    }

    private static boolean isCanonicalBase64Url(String value) {
        if (value == null || !KEY.matcher(value).matches() || value.length() % 4 == 1) {
            return false;
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(value);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Roster[" + householdId + ", epoch " + epoch + ", " + members.size() + " members]";
    }
}

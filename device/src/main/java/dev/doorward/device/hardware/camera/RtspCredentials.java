package dev.doorward.device.hardware.camera;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An RTSP camera's user name and password, from an owner-only file ({@code user=…} and {@code password=…}
 * lines). They reach ffmpeg only through its standard input (never its command line, which every local user
 * can read in {@code ps}), and {@link #redact} removes them from anything ffmpeg says before it is logged. The
 * same kind of file (often the same file: one admin account on the doorbell) holds a bridge's ONVIF credentials.
 */
public final class RtspCredentials {
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private final String user;
    private final String password;

    private RtspCredentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    /**
     * Reads the file; refuses one that others could read, or one that is not exactly the two lines.
     *
     * @throws IllegalArgumentException saying what is wrong with the file (never what is in it)
     */
    public static RtspCredentials read(Path file) {
        return read(file, "camera");
    }

    /**
     * Reads the file, saying in errors whose file it is ({@code "camera"}, {@code "ONVIF"}).
     *
     * @throws IllegalArgumentException saying what is wrong with the file (never what is in it)
     */
    public static RtspCredentials read(Path file, String whose) {
        String what = "the " + whose + " credentials file ";
        Set<PosixFilePermission> permissions;
        List<String> lines;
        try {
            permissions = Files.getPosixFilePermissions(file);
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + file + ": " + e, e);
        }
        if (permissions.stream().anyMatch(GROUP_OR_OTHER::contains)) {
            throw new IllegalArgumentException(
                    what + file + " must be readable by its owner only (chmod 600 " + file + ")");
        }
        String user = null;
        String password = null;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line.strip() : line.substring(0, eq).strip();
            String value = eq < 0 ? null : line.substring(eq + 1);
            String where = file + " line " + (n + 1);
            if (value == null) {
                throw new IllegalArgumentException(where + ": expected key=value");
            }
            switch (key) {
                case "user" -> {
                    if (user != null) {
                        throw new IllegalArgumentException(where + ": user given twice");
                    }
                    user = value;
                }
                case "password" -> {
                    if (password != null) {
                        throw new IllegalArgumentException(where + ": password given twice");
                    }
                    password = value;
                }
                default ->
                    throw new IllegalArgumentException(
                            where + ": unknown key \"" + key + "\" (expected user= and password=)");
            }
        }
        if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
            throw new IllegalArgumentException(what + file + " needs a non-empty user= and password= line");
        }
        return new RtspCredentials(user, password);
    }

    /** The user name, for a protocol that sends it (ONVIF's UsernameToken); never for a log. */
    public String user() {
        return user;
    }

    /** The password, for a protocol that proves it (ONVIF's PasswordDigest); never for a log, a URL or a message. */
    public String password() {
        return password;
    }

    /** The URL with the credentials in it, percent-encoded (ffmpeg decodes them): for ffmpeg's stdin only. */
    String urlWithCredentials(URI url) {
        String s = url.toString();
        int hostStart = s.indexOf("://") + 3;
        return s.substring(0, hostStart) + encode(user) + ":" + encode(password) + "@" + s.substring(hostStart);
    }

    /** {@code text} with the user name's and password's plain and encoded forms replaced by asterisks. */
    String redact(String text) {
        // Any user information in a URL first, whatever it is; then the secrets wherever else they appear.
        String out = text.replaceAll("://[^/@\\s'\"]*@", "://***@");
        for (String secret : List.of(encode(password), password, encode(user), user)) {
            if (secret.length() >= 3) {
                out = out.replace(secret, "***");
            }
        }
        return out;
    }

    /** Everything but RFC 3986's unreserved characters as %XX. */
    private static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "RtspCredentials[***]";
    }
}

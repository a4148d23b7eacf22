package dev.doorward.hub.backup;

import java.io.Console;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Where a backup passphrase comes from: a file only its owner can read, the environment, or the terminal —
 * never the command line (other users see it in {@code ps}) and never a log.
 */
final class Passphrases {
    static final String ENVIRONMENT = "DOORWARD_BACKUP_PASSPHRASE";
    /** A new archive guards the hub's CA: a short passphrase would be the weak point. */
    static final int MIN_LENGTH = 12;

    private static final Set<PosixFilePermission> SHARED = Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private Passphrases() {}

    /** The passphrase in {@code file}: its content up to a final line break. Refused if others may read it. */
    static char[] fromFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new PassphraseRefused("passphrase file " + file + " does not exist or is not a file");
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(SHARED::contains)) {
                throw new PassphraseRefused(
                        "passphrase file " + file + " is accessible to other users; make it owner-only (chmod 600)");
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            int end = bytes.length;
            if (end > 0 && bytes[end - 1] == '\n') {
                end--;
                if (end > 0 && bytes[end - 1] == '\r') {
                    end--;
                }
            }
            char[] passphrase = decode(bytes, end);
            if (passphrase.length == 0) {
                throw new PassphraseRefused("passphrase file " + file + " is empty");
            }
            return passphrase;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** The command line's choice: the file if given, else the environment, else the terminal. */
    static char[] forCommand(Path file, Map<String, String> environment, Console console, boolean newArchive)
            throws IOException {
        char[] passphrase;
        if (file != null) {
            passphrase = fromFile(file);
        } else if (environment.get(ENVIRONMENT) != null
                && !environment.get(ENVIRONMENT).isEmpty()) {
            passphrase = environment.get(ENVIRONMENT).toCharArray();
        } else if (console != null) {
            passphrase = console.readPassword(newArchive ? "Passphrase for the new backup: " : "Backup passphrase: ");
            if (passphrase == null || passphrase.length == 0) {
                throw new PassphraseRefused("no passphrase given");
            }
            if (newArchive) {
                char[] again = console.readPassword("The same passphrase again: ");
                boolean same = Arrays.equals(passphrase, again);
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
                if (!same) {
                    Arrays.fill(passphrase, '\0');
                    throw new PassphraseRefused("the two passphrases differ");
                }
            }
        } else {
            throw new PassphraseRefused("no passphrase: give --passphrase-file FILE (mode 0600), set " + ENVIRONMENT
                    + ", or run on a terminal to be asked");
        }
        if (newArchive) {
            requireStrongEnough(passphrase);
        }
        return passphrase;
    }

    static void requireStrongEnough(char[] passphrase) {
        if (passphrase.length < MIN_LENGTH) {
            Arrays.fill(passphrase, '\0');
            throw new PassphraseRefused("the backup passphrase must have at least " + MIN_LENGTH + " characters");
        }
    }

    private static char[] decode(byte[] bytes, int length) throws PassphraseRefused {
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, length));
            char[] passphrase = new char[chars.remaining()];
            chars.get(passphrase);
            Arrays.fill(chars.array(), '\0');
            return passphrase;
        } catch (CharacterCodingException e) {
            throw new PassphraseRefused("the passphrase file is not UTF-8 text");
        }
    }

    /** A passphrase that cannot be used; the message never contains it. */
    static final class PassphraseRefused extends BackupRefused {
        PassphraseRefused(String message) {
            super(message);
        }
    }
}

package dev.doorward.hub.backup;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

/** Runs {@code doorward backup|restore} as the script does (same main class), capturing what it prints. */
final class BackupCommand {
    static final String PASSPHRASE = "pale comet under a quiet harbour";

    record Outcome(int exitCode, String out, String err) {}

    private BackupCommand() {}

    /** With the passphrase in the environment, as an operator's script would give it. */
    static Outcome run(Object... args) {
        return runWith(Map.of(Passphrases.ENVIRONMENT, PASSPHRASE), args);
    }

    static Outcome runWith(Map<String, String> environment, Object... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] strings = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int code = new BackupMain(
                        environment,
                        null,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        Clock.systemUTC())
                .run(strings);
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}

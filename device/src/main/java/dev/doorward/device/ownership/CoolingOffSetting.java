package dev.doorward.device.ownership;

import dev.doorward.device.files.AtomicFiles;
import dev.doorward.protocol.LinkMessage.SetCoolingOff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The owner's choice of cooling-off period for a physical reset, kept in the protected store beside the
 * ownership record (so a data wipe does not reset it) and forgotten when the device is released or reset.
 * Only a statement signed by the pinned owner key changes it — even to zero, which is the owner's explicit
 * choice and nobody else's.
 */
public final class CoolingOffSetting {
    static final String KIND = "doorward-cooling-off";
    /** Longer than this would leave a buyer of a second-hand doorbell waiting for a month. */
    public static final Duration MAXIMUM = Duration.ofDays(30);

    private final Path file;

    public CoolingOffSetting(Path protectedDir) {
        this.file = protectedDir.resolve("cooling-off");
    }

    public Optional<Duration> load() {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            return Optional.of(
                    Duration.ofSeconds(Long.parseLong(Files.readString(file).strip())));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Applies a signed setting; returns the new period, or why it was refused. */
    public Result apply(SetCoolingOff message, Ownership ownership, Instant now) {
        OwnerStatements.Checked checked;
        try {
            checked = OwnerStatements.check(
                    KIND,
                    true,
                    message.statement(),
                    message.signatureBytes(),
                    message.signerPublicKeyBytes(),
                    ownership,
                    now);
        } catch (IllegalArgumentException e) {
            return Result.refused("malformed");
        }
        if (checked.problem().isPresent()) {
            return Result.refused(checked.problem().get());
        }
        Duration period;
        try {
            period = Duration.ofSeconds(Long.parseLong(checked.value().orElseThrow()));
        } catch (NumberFormatException e) {
            return Result.refused("not a number of seconds");
        }
        if (period.isNegative() || period.compareTo(MAXIMUM) > 0) {
            return Result.refused("out of range");
        }
        try {
            AtomicFiles.write(file, Long.toString(period.toSeconds()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(Optional.of(period), Optional.empty());
    }

    public void forget() {
        try {
            AtomicFiles.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public record Result(Optional<Duration> period, Optional<String> problem) {
        static Result refused(String why) {
            return new Result(Optional.empty(), Optional.of(why));
        }
    }
}

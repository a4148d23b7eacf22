package dev.doorward.device.motion;

import dev.doorward.device.files.AtomicFiles;
import dev.doorward.device.ownership.OwnerStatements;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.protocol.LinkMessage.SetMotion;
import dev.doorward.protocol.MotionSetting;
import dev.doorward.protocol.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The owner's motion setting (on or off, and the zones where motion counts), accepted only as a statement
 * signed by the pinned owner key or an owner or admin of the roster — exactly like the cooling-off setting —
 * so a compromised hub can neither switch motion off nor move the zones away from the door. Kept in the
 * protected store and forgotten when the doorbell is released or reset.
 */
public final class SignedMotionSetting {
    private final Path file;

    public SignedMotionSetting(Path protectedDir) {
        this.file = protectedDir.resolve("motion-setting");
    }

    /** The setting last accepted, if any (a damaged file counts as none: the doorbell's defaults apply). */
    public Optional<MotionSetting> load() {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            return Optional.of(MotionSetting.parse(Files.readString(file).strip()));
        } catch (IOException | ProtocolException e) {
            return Optional.empty();
        }
    }

    /** Checks a signed setting and keeps it; returns the setting, or why it was refused. */
    public Result apply(SetMotion message, Ownership ownership, Instant now) {
        OwnerStatements.Checked checked;
        try {
            checked = OwnerStatements.check(
                    MotionSetting.STATEMENT_KIND,
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
        MotionSetting setting;
        try {
            setting = MotionSetting.parse(checked.value().orElseThrow());
        } catch (ProtocolException e) {
            return Result.refused("not a motion setting");
        }
        try {
            AtomicFiles.write(file, setting.format().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(Optional.of(setting), Optional.empty());
    }

    public void forget() {
        try {
            AtomicFiles.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The detector's settings with the owner's choice applied: off is sensitivity 0; on keeps the sensitivity
     * already set (or the default); the zones, in grid cells, become regions of the picture.
     */
    public static MotionSettings applied(MotionSettings current, MotionSetting setting) {
        int sensitivity = !setting.enabled()
                ? 0
                : current.sensitivity() > 0 ? current.sensitivity() : MotionSettings.DEFAULT_SENSITIVITY;
        return current.withSensitivity(sensitivity).withWatchedZones(regions(setting));
    }

    /** A zone of grid cells as a region of the picture (a cell is 1/16 of its width and 1/12 of its height). */
    public static List<Region> regions(MotionSetting setting) {
        return setting.zones().stream()
                .map(z -> new Region(
                        (double) z.x() / MotionSetting.COLUMNS,
                        (double) z.y() / MotionSetting.ROWS,
                        (double) z.width() / MotionSetting.COLUMNS,
                        (double) z.height() / MotionSetting.ROWS))
                .toList();
    }

    public record Result(Optional<MotionSetting> setting, Optional<String> problem) {
        static Result refused(String why) {
            return new Result(Optional.empty(), Optional.of(why));
        }
    }
}

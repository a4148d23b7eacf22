package dev.doorward.device.ownership;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.device.files.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * Keeps the ownership record in the device's protected store, apart from the data directory, because a
 * user-level reset wipes data but must never make an owned device claimable (Activation Lock). One file,
 * replaced atomically, so a power cut leaves either the old or the new owner, never half of each. A pending
 * physical reset and its deadline live here too, so neither a restart nor a wiped data directory can skip or
 * shorten the owner's cooling-off period.
 */
public final class OwnershipStore {
    static final String FILE = "ownership.properties";

    private final Path dir;

    public OwnershipStore(Path protectedDir) {
        this.dir = protectedDir;
    }

    public synchronized Ownership load() {
        Path file = dir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Ownership.factoryNew();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ownership record", e);
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ownership record", e);
        }
        // A record we cannot understand must not fall back to FACTORY_NEW: that would make the device
        // claimable by whoever corrupts one file.
        OwnershipState state = OwnershipState.valueOf(required(p, "state"));
        if (state == OwnershipState.FACTORY_NEW) {
            return Ownership.factoryNew();
        }
        return new Ownership(
                state,
                required(p, "deviceId"),
                URI.create(required(p, "hubUrl")),
                Pem.parseCertificate(required(p, "hubCa")),
                Pem.parseCertificate(required(p, "operationalCertificate")),
                required(p, "ownerKeyFingerprint"),
                Instant.parse(required(p, "claimedAt")),
                state == OwnershipState.RESET_PENDING ? Instant.parse(required(p, "resetAt")) : null,
                optional(p, "vetoedAt").map(Instant::parse).orElse(null),
                optional(p, "roster").orElse(null));
    }

    public synchronized void save(Ownership ownership) {
        Properties p = new Properties();
        p.setProperty("state", ownership.state().name());
        if (ownership.state() != OwnershipState.FACTORY_NEW) {
            p.setProperty("deviceId", ownership.deviceId());
            p.setProperty("hubUrl", ownership.hubUrl().toString());
            p.setProperty("hubCa", Pem.certificate(ownership.hubCa()));
            p.setProperty("operationalCertificate", Pem.certificate(ownership.operationalCertificate()));
            p.setProperty("ownerKeyFingerprint", ownership.ownerKeyFingerprint());
            p.setProperty("claimedAt", ownership.claimedAt().toString());
            ownership.resetDeadline().ifPresent(at -> p.setProperty("resetAt", at.toString()));
            if (ownership.vetoedAt() != null) {
                p.setProperty("vetoedAt", ownership.vetoedAt().toString());
            }
            // In the same file as the owner key it pins, so both change together or not at all.
            ownership.roster().ifPresent(text -> p.setProperty("roster", text));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer writer = new OutputStreamWriter(bytes, StandardCharsets.UTF_8)) {
            p.store(writer, "Doorward ownership record. Not part of the data a user-level reset wipes.");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            AtomicFiles.ownerOnlyDirectory(dir);
            AtomicFiles.write(dir.resolve(FILE), bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ownership record", e);
        }
    }

    private static Optional<String> optional(Properties p, String key) {
        String value = p.getProperty(key);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("ownership record lacks " + key);
        }
        return value;
    }
}

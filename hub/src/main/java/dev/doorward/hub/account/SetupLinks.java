package dev.doorward.hub.account;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.web.HubPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * There is no default account. While the hub has no account at all, each start prints a one-time setup link
 * that creates the owner account. The token travels in the link's fragment, so it never reaches a server
 * log; only its hash is stored. The link is also written to {@code <data>/setup-link.txt} (owner-only).
 */
@Component
public class SetupLinks {
    private static final Logger log = LoggerFactory.getLogger(SetupLinks.class);
    static final Duration VALIDITY = Duration.ofHours(24);

    private final JdbcClient jdbc;
    private final Accounts accounts;
    private final HubPorts ports;
    private final HubProperties properties;
    private final Clock clock;

    SetupLinks(JdbcClient jdbc, Accounts accounts, HubPorts ports, HubProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.accounts = accounts;
        this.ports = ports;
        this.properties = properties;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    void offerSetupLinkOnFirstRun() {
        if (accounts.any()) {
            return;
        }
        if (properties.cluster().clustered() && pendingLinkExists()) {
            // Another node of the cluster offered one: a new one would void the link its operator was given.
            log.info("Doorward has no account yet; another node's setup link is still valid (see its setup-link.txt)");
            return;
        }
        String link = ports.browserUrl() + "#setup=" + newToken();
        Path file = properties.dataDir().resolve("setup-link.txt");
        try {
            Path tmp = Files.createTempFile(
                    properties.dataDir(),
                    "setup",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, link + System.lineSeparator());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.info(
                "\n\n    Doorward has no account yet. Open this one-time link to create the owner account:\n\n    {}\n\n"
                        + "    (valid for 24 hours; also in {})\n",
                link,
                file.toAbsolutePath());
    }

    private boolean pendingLinkExists() {
        return jdbc.sql("select count(*) from setup_links where used_at is null and expires_at > :now")
                        .param("now", Timestamp.from(clock.instant()))
                        .query(Long.class)
                        .single()
                > 0;
    }

    /** Creates a new setup token; earlier unused tokens stop working. */
    @Transactional
    public String newToken() {
        jdbc.sql("delete from setup_links where used_at is null").update();
        String token = RandomIds.newSecret();
        jdbc.sql("insert into setup_links (token_hash, created_at, expires_at) values (:hash, :now, :expires)")
                .param("hash", hash(token))
                .param("now", Timestamp.from(clock.instant()))
                .param("expires", Timestamp.from(clock.instant().plus(VALIDITY)))
                .update();
        return token;
    }

    /** Marks the token used; true only once, only for a valid token, and only while no account exists. */
    @Transactional
    public boolean consume(String token) {
        if (token == null || token.length() > 64 || accounts.any()) {
            return false;
        }
        // Looked up by hash: the stored value is not the secret, and equality on a hash leaks nothing useful.
        return jdbc.sql("""
                                update setup_links set used_at = :now
                                where token_hash = :hash and used_at is null and expires_at > :now""")
                        .param("hash", hash(token))
                        .param("now", Timestamp.from(clock.instant()))
                        .update()
                == 1;
    }

    public boolean setupPending() {
        return !accounts.any();
    }

    private static String hash(String token) {
        return HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}

package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.SignedInAccount;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creating accounts (an owner with its own household, or an invited member with none), changing a password, the
 * owner's recovery code, and looking accounts up for sign-in. The password rule lives here, once.
 */
@Service
public class AccountService implements UserDetailsService {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._@+-]{2,63}");
    static final int MIN_PASSWORD = 10;
    static final int MAX_PASSWORD = 256;

    private final Accounts accounts;
    private final Households households;
    private final PasswordEncoder passwordEncoder;
    private final AuditLog audit;
    private final SetupLinks setupLinks;

    public AccountService(
            Accounts accounts,
            Households households,
            PasswordEncoder passwordEncoder,
            AuditLog audit,
            SetupLinks setupLinks) {
        this.setupLinks = setupLinks;
        this.accounts = accounts;
        this.households = households;
        this.passwordEncoder = passwordEncoder;
        this.audit = audit;
    }

    public static String normalizeUsername(String username) {
        return username == null ? "" : username.strip().toLowerCase(Locale.ROOT);
    }

    /** Creates an account and a household it owns. */
    @Transactional
    public Created createWithHousehold(String username, String password, String householdName) {
        String name = normalizeUsername(username);
        if (!USERNAME.matcher(name).matches()) {
            throw new InvalidInput("A username has 3 to 64 letters, digits or . _ @ + -");
        }
        checkNewPassword(password);
        String household = householdName == null || householdName.isBlank() ? "Home" : householdName.strip();
        if (household.length() > 64) {
            throw new InvalidInput("A household name has at most 64 characters");
        }
        String accountId = accounts.create(name, passwordEncoder.encode(password))
                .orElseThrow(() -> new InvalidInput("That username is taken"));
        String householdId = households.create(household, accountId);
        audit.record(householdId, "account:" + accountId, "household-created", "Household '" + household + "' created");
        // An owner cannot be let back in by anyone else: the recovery code, shown once, is their own way back.
        String recoveryCode = newRecoveryCode(accountId);
        return new Created(accountId, householdId, recoveryCode);
    }

    /**
     * An account for someone invited into a household: no household of its own (the caller adds the membership in
     * the same transaction, spending the invitation). Returns the account id.
     */
    @Transactional
    public String createInvited(String username, String password) {
        String name = normalizeUsername(username);
        if (!USERNAME.matcher(name).matches()) {
            throw new InvalidInput("A username has 3 to 64 letters, digits or . _ @ + -");
        }
        checkNewPassword(password);
        return accounts.create(name, passwordEncoder.encode(password))
                .orElseThrow(() -> new InvalidInput("That username is taken"));
    }

    /** The one password rule: its length (Argon2id does the rest). */
    public static void checkNewPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw new InvalidInput("A password has " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
        }
    }

    /** Whether this is the account's password (Argon2id's own comparison is constant-time). */
    public boolean passwordMatches(String accountId, String password) {
        if (password == null || password.length() > MAX_PASSWORD) {
            return false;
        }
        return accounts.byId(accountId)
                .map(a -> passwordEncoder.matches(password, a.passwordHash()))
                .orElse(false);
    }

    /** Sets a new password (already checked against the rule by {@link #checkNewPassword}). */
    public void setPassword(String accountId, String password) {
        checkNewPassword(password);
        accounts.setPasswordHash(accountId, passwordEncoder.encode(password));
    }

    /** A new recovery code for the account (the old one stops working); only its hash is kept. Shown once. */
    public String newRecoveryCode(String accountId) {
        String code = RecoveryCodes.newCode();
        accounts.setRecoveryCodeHash(accountId, RecoveryCodes.hash(code));
        return code;
    }

    /** First-run setup: the token is spent only if the account is really created (one transaction). */
    @Transactional
    public Created createFirstOwner(String token, String username, String password, String householdName) {
        if (!setupLinks.consume(token)) {
            throw new InvalidInput("This setup link is not valid any more. Restart the hub for a new one.");
        }
        return createWithHousehold(username, password, householdName);
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        return accounts.byUsername(normalizeUsername(username))
                .map(a -> new SignedInAccount(a.id(), a.username(), a.passwordHash()))
                .orElseThrow(() -> new UsernameNotFoundException("unknown"));
    }

    /** A new owner account; {@code recoveryCode} is shown to its holder once and never stored. */
    public record Created(String accountId, String householdId, String recoveryCode) {
        @Override
        public String toString() {
            return "Created[" + accountId + ", " + householdId + ", recoveryCode=[REDACTED]]";
        }
    }
}

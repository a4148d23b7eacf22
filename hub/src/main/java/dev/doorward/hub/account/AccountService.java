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

/** Creating accounts (each with its own household) and looking them up for sign-in. */
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
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw new InvalidInput("A password has " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
        }
        String household = householdName == null || householdName.isBlank() ? "Home" : householdName.strip();
        if (household.length() > 64) {
            throw new InvalidInput("A household name has at most 64 characters");
        }
        String accountId = accounts.create(name, passwordEncoder.encode(password))
                .orElseThrow(() -> new InvalidInput("That username is taken"));
        String householdId = households.create(household, accountId);
        audit.record(householdId, "account:" + accountId, "household-created", "Household '" + household + "' created");
        return new Created(accountId, householdId);
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

    public record Created(String accountId, String householdId) {}
}

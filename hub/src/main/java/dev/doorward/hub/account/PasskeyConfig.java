package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.hub.web.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.WebAuthnConfigurer;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.session.ChangeSessionIdAuthenticationStrategy;
import org.springframework.security.web.authentication.session.SessionAuthenticationStrategy;
import org.springframework.security.web.webauthn.api.Bytes;
import org.springframework.security.web.webauthn.api.CredentialRecord;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialRpEntity;
import org.springframework.security.web.webauthn.api.PublicKeyCredentialUserEntity;
import org.springframework.security.web.webauthn.authentication.WebAuthnAuthenticationFilter;
import org.springframework.security.web.webauthn.authentication.WebAuthnAuthenticationProvider;
import org.springframework.security.web.webauthn.management.JdbcPublicKeyCredentialUserEntityRepository;
import org.springframework.security.web.webauthn.management.JdbcUserCredentialRepository;
import org.springframework.security.web.webauthn.management.PublicKeyCredentialUserEntityRepository;
import org.springframework.security.web.webauthn.management.UserCredentialRepository;
import org.springframework.security.web.webauthn.management.WebAuthnRelyingPartyOperations;
import org.springframework.security.web.webauthn.management.Webauthn4JRelyingPartyOperations;

/**
 * Passkeys (WebAuthn) with Spring Security's own support: a signed-in member registers one
 * ({@code POST /webauthn/register/options}, then {@code POST /webauthn/register}), and anyone signs in with one
 * ({@code POST /webauthn/authenticate/options}, then {@code POST /login/webauthn}). The relying party is the hub's
 * configured public host; the only origin accepted is the hub's own browser URL (its port known once it listens).
 * Credentials and user handles are in PostgreSQL (V11). A passkey sign-in makes the same session as a password
 * one (principal {@link SignedInAccount}, a new session id, named after the browser): a browser signed in with a
 * passkey still needs an admin's approval before it gets any key.
 */
@Configuration(proxyBeanMethods = false)
public class PasskeyConfig {
    private final AccountService accountService;
    private final AccountSessions sessions;
    private final Households households;
    private final AuditLog audit;
    private final Notifier notifier;
    private final Problems problems;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final JdbcClient jdbc;

    PasskeyConfig(
            AccountService accountService,
            AccountSessions sessions,
            Households households,
            AuditLog audit,
            Notifier notifier,
            Problems problems,
            ApplicationEventPublisher events,
            Clock clock,
            JdbcClient jdbc) {
        this.accountService = accountService;
        this.sessions = sessions;
        this.households = households;
        this.audit = audit;
        this.notifier = notifier;
        this.problems = problems;
        this.events = events;
        this.clock = clock;
        this.jdbc = jdbc;
    }

    @Bean
    PublicKeyCredentialUserEntityRepository passkeyUserEntities(JdbcTemplate jdbc) {
        return new JdbcPublicKeyCredentialUserEntityRepository(jdbc);
    }

    @Bean
    UserCredentialRepository passkeyCredentials(JdbcTemplate jdbc, PublicKeyCredentialUserEntityRepository users) {
        return new AnnouncedCredentials(new JdbcUserCredentialRepository(jdbc), users);
    }

    @Bean
    WebAuthnRelyingPartyOperations passkeyRelyingParty(
            PublicKeyCredentialUserEntityRepository users,
            UserCredentialRepository credentials,
            HubProperties properties,
            HubPorts ports) {
        PublicKeyCredentialRpEntity rp = PublicKeyCredentialRpEntity.builder()
                .id(properties.publicHost())
                .name("Doorward")
                .build();
        return new Webauthn4JRelyingPartyOperations(users, credentials, rp, new HubOrigin(ports));
    }

    /** For SecurityConfig: the WebAuthn filters, with the hub's own session, audit and answers. */
    public void configure(
            HttpSecurity http, WebAuthnConfigurer<HttpSecurity> webAuthn, WebAuthnRelyingPartyOperations relyingParty) {
        webAuthn.disableDefaultRegistrationPage(true)
                .creationOptionsRepository(new PasskeyCeremonies(jdbc, clock))
                .withObjectPostProcessor(new ObjectPostProcessor<WebAuthnAuthenticationFilter>() {
                    @Override
                    public <O extends WebAuthnAuthenticationFilter> O postProcess(O filter) {
                        signInFilter(filter, relyingParty, http.getSharedObject(SessionAuthenticationStrategy.class));
                        return filter;
                    }
                });
    }

    private void signInFilter(
            WebAuthnAuthenticationFilter filter,
            WebAuthnRelyingPartyOperations relyingParty,
            SessionAuthenticationStrategy formLoginStrategy) {
        WebAuthnAuthenticationProvider provider = new WebAuthnAuthenticationProvider(relyingParty, accountService);
        filter.setAuthenticationManager(request -> {
            Authentication checked = provider.authenticate(request);
            if (!(checked.getPrincipal() instanceof PublicKeyCredentialUserEntity user)) {
                throw new BadCredentialsException("not a passkey user");
            }
            // The rest of the hub knows a signed-in browser by its SignedInAccount principal.
            SignedInAccount account = (SignedInAccount) accountService.loadUserByUsername(user.getName());
            return UsernamePasswordAuthenticationToken.authenticated(account, null, account.getAuthorities());
        });
        // What a password sign-in does to the session (a new id, a new CSRF token), shared by the form login's
        // configuration; a new id at the least if there is none.
        if (formLoginStrategy != null) {
            filter.setSessionAuthenticationStrategy(formLoginStrategy);
        } else {
            ChangeSessionIdAuthenticationStrategy newId = new ChangeSessionIdAuthenticationStrategy();
            newId.setApplicationEventPublisher(events);
            filter.setSessionAuthenticationStrategy(newId);
        }
        filter.setAuthenticationSuccessHandler((request, response, authentication) -> {
            sessions.signedInNow(request);
            SignedInAccount account = (SignedInAccount) authentication.getPrincipal();
            for (Households.Membership m : households.membershipsOf(account.id())) {
                audit.record(
                        m.householdId(),
                        "account:" + account.id(),
                        "signed-in",
                        account.getUsername() + " signed in with a passkey");
            }
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.getWriter().write("{\"authenticated\":true,\"redirectUrl\":\"/\"}");
        });
        filter.setAuthenticationFailureHandler(
                (request, response, e) -> problems.write(response, 401, "This passkey was not accepted"));
    }

    /** The one origin a passkey ceremony may come from, read when it is checked (the port is known by then). */
    private static final class HubOrigin extends AbstractSet<String> {
        private final HubPorts ports;

        HubOrigin(HubPorts ports) {
            this.ports = ports;
        }

        private List<String> current() {
            String url = ports.browserUrl().toString();
            return List.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        }

        @Override
        public Iterator<String> iterator() {
            return current().iterator();
        }

        @Override
        public int size() {
            return 1;
        }
    }

    /** Spring's JDBC credentials, and a new passkey is audited and told to its holder's browsers. */
    private final class AnnouncedCredentials implements UserCredentialRepository {
        private final UserCredentialRepository rows;
        private final PublicKeyCredentialUserEntityRepository users;

        AnnouncedCredentials(UserCredentialRepository rows, PublicKeyCredentialUserEntityRepository users) {
            this.rows = rows;
            this.users = users;
        }

        @Override
        public void delete(Bytes credentialId) {
            rows.delete(credentialId);
        }

        @Override
        public void save(CredentialRecord record) {
            boolean added = rows.findByCredentialId(record.getCredentialId()) == null;
            rows.save(record);
            if (!added) {
                return; // a sign-in updating its counter and last use
            }
            PublicKeyCredentialUserEntity user = users.findById(record.getUserEntityUserId());
            if (user == null) {
                return;
            }
            SignedInAccount account = (SignedInAccount) accountService.loadUserByUsername(user.getName());
            for (Households.Membership m : households.membershipsOf(account.id())) {
                audit.record(
                        m.householdId(),
                        "account:" + account.id(),
                        "passkey-added",
                        account.getUsername() + " added the passkey \"" + record.getLabel() + "\"");
            }
            notifier.toAccount(
                    account.id(),
                    Notice.SecurityAlert.about(
                            Notice.Alert.PASSKEY_CHANGED,
                            "A passkey \"" + record.getLabel() + "\" was added to your account.",
                            clock.instant()));
        }

        @Override
        public CredentialRecord findByCredentialId(Bytes credentialId) {
            return rows.findByCredentialId(credentialId);
        }

        @Override
        public List<CredentialRecord> findByUserId(Bytes userId) {
            return rows.findByUserId(userId);
        }
    }
}

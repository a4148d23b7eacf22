package dev.doorward.hub.account;

import dev.doorward.hub.web.HubPorts;
import dev.doorward.hub.web.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.webauthn.management.WebAuthnRelyingPartyOperations;

/**
 * Deny by default: every route is listed here with who may use it. Browser sessions (kept in PostgreSQL, see
 * account.SessionStoreConfig) use a {@code __Host-} cookie (see application.properties), CSRF tokens in a {@code __Host-} cookie echoed in a header, strict
 * CSP without inline script, HSTS, and no framing.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:;"
            + " media-src 'self' blob:; connect-src 'self'%s; worker-src 'self'; object-src 'none'; base-uri 'none';"
            + " frame-ancestors 'none'; form-action 'self'";

    /** A host name or address as it may appear in a CSP source (anything else is left out of the policy). */
    private static final Pattern PLAIN_HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");

    /**
     * The policy for one response: the page may connect to its own origin and, for live views, to the live port of
     * the host it was loaded from (the only other place the web app talks to).
     */
    static String contentSecurityPolicy(String host, int livePort) {
        String live = livePort > 0 && host != null && PLAIN_HOST.matcher(host).matches()
                ? " wss://" + host + ":" + livePort
                : "";
        return CSP.formatted(live);
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        // OWASP's Argon2id parameters: 19 MiB, 2 iterations, 1 lane.
        return new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);
    }

    @Bean
    SecurityFilterChain securityFilterChain(
            HttpSecurity http,
            LoginThrottle loginThrottle,
            AccountSessions sessions,
            Problems problems,
            HubPorts ports,
            PasskeyConfig passkeys,
            PasskeyThrottle passkeyThrottle,
            WebAuthnRelyingPartyOperations relyingParty)
            throws Exception {
        CookieCsrfTokenRepository csrfTokens = CookieCsrfTokenRepository.withHttpOnlyFalse();
        csrfTokens.setCookieName("__Host-XSRF-TOKEN");
        csrfTokens.setCookieCustomizer(c -> c.secure(true).sameSite("Strict").path("/"));
        http.authorizeHttpRequests(routes -> routes.requestMatchers(
                                HttpMethod.GET,
                                "/",
                                "/index.html",
                                "/app/**",
                                "/favicon.svg",
                                // The installable app: read by the browser before anyone signs in.
                                "/manifest.webmanifest",
                                "/sw.js",
                                "/icons/**")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/session", "/api/health")
                        .permitAll()
                        .requestMatchers(
                                HttpMethod.POST,
                                "/api/setup",
                                "/api/accounts",
                                "/api/login",
                                // One-time secrets are the permission (each rate-limited per address).
                                "/api/invitations/sign-up",
                                "/api/recovery",
                                "/api/recovery/owner",
                                // Passkey sign-in (Spring Security's WebAuthn filters, account.PasskeyConfig).
                                "/webauthn/authenticate/options",
                                "/login/webauthn")
                        .permitAll()
                        // Adding a passkey: signed in. Removing one is /api/account/passkeys (the filter's own
                        // DELETE /webauthn/register/{id} stays denied, like every route not listed here).
                        .requestMatchers(HttpMethod.POST, "/webauthn/register/options", "/webauthn/register")
                        .authenticated()
                        .requestMatchers("/error")
                        .permitAll()
                        .requestMatchers("/api/**")
                        .authenticated()
                        .anyRequest()
                        .denyAll())
                .formLogin(form -> form.loginProcessingUrl("/api/login")
                        .successHandler((request, response, auth) -> {
                            sessions.signedInNow(request);
                            loginThrottle.onSuccess(request, response, auth);
                        })
                        .failureHandler(loginThrottle::onFailure))
                .webAuthn(webAuthn -> passkeys.configure(http, webAuthn, relyingParty))
                .addFilterBefore(loginThrottle, UsernamePasswordAuthenticationFilter.class)
                .addFilterBefore(passkeyThrottle, UsernamePasswordAuthenticationFilter.class)
                .logout(logout -> logout.logoutUrl("/api/logout")
                        .deleteCookies("__Host-doorward-session")
                        .logoutSuccessHandler((req, res, auth) -> res.setStatus(HttpServletResponse.SC_NO_CONTENT)))
                .exceptionHandling(
                        e -> e.authenticationEntryPoint((req, res, ex) -> problems.write(res, 401, "Sign in first"))
                                .accessDeniedHandler((req, res, ex) -> problems.write(res, 403, "Not allowed")))
                .csrf(csrf -> csrf.spa().csrfTokenRepository(csrfTokens))
                .requestCache(cache -> cache.disable())
                .sessionManagement(s -> s.sessionFixation(f -> f.changeSessionId()))
                .headers(headers -> headers.addHeaderWriter((request, response) -> response.setHeader(
                                "Content-Security-Policy",
                                contentSecurityPolicy(request.getServerName(), ports.livePort())))
                        .httpStrictTransportSecurity(hsts -> hsts.includeSubDomains(false)
                                .maxAgeInSeconds(Duration.ofDays(365).toSeconds()))
                        .frameOptions(frame -> frame.deny())
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER))
                        .addHeaderWriter(new StaticHeadersWriter(
                                "Permissions-Policy", "camera=(), microphone=(self), geolocation=()"))
                        .addHeaderWriter(new StaticHeadersWriter("Cross-Origin-Opener-Policy", "same-origin")));
        return http.build();
    }
}

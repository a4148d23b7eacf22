package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import dev.doorward.e2e.Chromium.Phone;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hub's browser protections as Chromium sees and enforces them: a strict Content-Security-Policy (no
 * inline script or style) that the app lives within, HSTS, no framing, {@code __Host-} cookies, and the
 * one-time setup token never leaving the browser.
 */
class BrowserSecurityTest {
    private static final Pattern HSTS_MAX_AGE = Pattern.compile("max-age=(\\d+)");

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void theAppRunsWithinAStrictPolicyThatTheBrowserEnforces() {
        String setupToken = env.hub().setupToken();
        try (Phone phone = env.chromium().phone("owner")) {
            List<String> requested = new CopyOnWriteArrayList<>();
            List<Response> responses = new CopyOnWriteArrayList<>();
            phone.page().onRequest(request -> requested.add(request.url()));
            phone.page().onResponse(responses::add);

            Response page = phone.page().navigate(env.hub().setupLink());
            assertThat(page.status()).isEqualTo(200);
            Map<String, String> headers = page.allHeaders();
            String csp = headers.get("content-security-policy");
            assertThat(csp)
                    .as("Content-Security-Policy")
                    .isNotNull()
                    .contains("default-src 'self'", "script-src 'self'", "style-src 'self'")
                    .contains("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "*");
            String hsts = headers.get("strict-transport-security");
            assertThat(hsts).as("Strict-Transport-Security").isNotNull();
            Matcher maxAge = HSTS_MAX_AGE.matcher(hsts);
            assertThat(maxAge.find()).as(hsts).isTrue();
            assertThat(Long.parseLong(maxAge.group(1))).isGreaterThanOrEqualTo(180L * 24 * 3600);
            assertThat(headers)
                    .containsEntry("x-frame-options", "DENY")
                    .containsEntry("x-content-type-options", "nosniff")
                    .containsEntry("referrer-policy", "no-referrer");

            // The whole app loads and works under that policy: first run, home, and the QR code (a blob: image).
            Locator setup = phone.$("#setup-form");
            assertThat(setup).isVisible();
            setup.locator("[name=username]").fill("owner");
            setup.locator("[name=password]").fill("correct horse battery staple");
            setup.locator("button[type=submit]").click();
            OwnerInBrowser.keepRecoveryCode(phone);
            assertThat(phone.$("#device-list")).containsText("No doorbell yet");
            phone.$("#add-doorbell").click();
            phone.$("#claim-form [name=setupCode]")
                    .fill(env.hub().mintDevice("front").setupCode());
            phone.$("#claim-form button[type=submit]").click();
            assertThat(phone.$("#claim-qr")).isVisible();
            phone.page()
                    .waitForFunction("() => { const img = document.getElementById('claim-qr');"
                            + " return img.complete && img.naturalWidth > 0; }");
            phone.$("#claim-stop").click();
            assertThat(phone.$("#device-list")).isVisible();

            assertThat(phone.cspConsoleErrors()).isEmpty();
            assertThat(phone.cspViolations()).isEmpty();
            assertThat(phone.consoleErrors()).isEmpty();

            // Every response of the hub carries the policy and HSTS, scripts and styles included.
            List<Response> own = responses.stream()
                    .filter(r -> r.url().startsWith(env.hub().browserUrl().toString()))
                    .toList();
            assertThat(own).extracting(Response::url).anyMatch(u -> u.endsWith("/app/main.js"));
            assertThat(own)
                    .allSatisfy(r -> assertThat(r.allHeaders())
                            .as(r.url())
                            .containsEntry("content-security-policy", csp)
                            .containsKey("strict-transport-security")
                            .containsEntry("x-content-type-options", "nosniff"));

            // The one-time setup token stays in the fragment: never sent in any request URL.
            assertThat(requested).isNotEmpty().noneMatch(url -> url.contains(setupToken));

            // Cookies: __Host- prefixed, Secure, SameSite; the session is out of reach of script.
            List<Cookie> cookies = phone.context().cookies();
            Cookie session = cookie(cookies, "__Host-doorward-session");
            assertThat(session.secure).isTrue();
            assertThat(session.httpOnly).isTrue();
            assertThat(session.path).isEqualTo("/");
            assertThat(session.sameSite).isIn(SameSiteAttribute.STRICT, SameSiteAttribute.LAX);
            Cookie csrf = cookie(cookies, "__Host-XSRF-TOKEN");
            assertThat(csrf.secure).isTrue();
            assertThat(csrf.sameSite).isEqualTo(SameSiteAttribute.STRICT);
            assertThat((String) phone.page().evaluate("() => document.cookie")).doesNotContain("doorward-session");

            // The policy is enforced, and this test would see a violation: injected inline script does not run.
            phone.page()
                    .evaluate("() => { const s = document.createElement('script');"
                            + " s.textContent = 'window.__injected = true;'; document.body.append(s); }");
            phone.page().waitForFunction("() => window.__cspViolations.length > 0");
            assertThat(phone.page().evaluate("() => window.__injected === true"))
                    .isEqualTo(false);
            assertThat(phone.cspViolations()).singleElement().asString().startsWith("script-src");
            phone.page().waitForCondition(() -> !phone.cspConsoleErrors().isEmpty());
            assertThat(phone.cspConsoleErrors()).singleElement().asString().contains("inline script", "script-src");
        }
    }

    private static Cookie cookie(List<Cookie> cookies, String name) {
        return cookies.stream()
                .filter(c -> c.name.equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no cookie " + name + " in "
                        + cookies.stream().map(c -> c.name).toList()));
    }

    /**
     * Every module of the web app parses in the browser, including those no other browser test happens to load
     * (the build has no JavaScript step: a syntax error in one module once broke every page).
     */
    @Test
    void everyModuleOfTheAppParses() throws IOException {
        List<String> modules;
        try (Stream<Path> files = Files.list(Path.of("../web/src/main/resources/static/app"))) {
            modules = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".js"))
                    .sorted()
                    .toList();
        }
        assertThat(modules).contains("main.js", "live.js", "roster.js");
        try (Phone phone = env.chromium().phone("modules")) {
            phone.page().navigate(env.hub().browserUrl().toString());
            for (String module : modules) {
                // Loading runs the module; only a SyntaxError (its own or an import's) is a failure here: the
                // audio worklet, for one, needs globals a page does not have.
                Object error = phone.page()
                        .evaluate(
                                "async url => { try { await import(url); return null; }"
                                        + " catch (e) { return e instanceof SyntaxError ? String(e) : null; } }",
                                "/app/" + module);
                assertThat(error).as(module).isNull();
            }
        }
    }
}

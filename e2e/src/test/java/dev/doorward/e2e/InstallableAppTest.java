package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.BrowserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web app as an installable app: its manifest, icons and service worker are served to anyone (the browser reads
 * them before sign-in) with the right types and the strict CSP; Chromium finds nothing missing for installing it;
 * the worker keeps every file of the app shell, never an API answer, starts the app without the hub, and a new
 * version waits until the person reloads.
 */
class InstallableAppTest {
    private static final Path STATIC = Path.of("..", "web", "src", "main", "resources", "static");

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void manifestIconsAndWorkerAreServedWithoutSignInWithTheirTypes() {
        BrowserClient outsider = env.hub().browser();
        BrowserClient.Response manifest = outsider.get("/manifest.webmanifest");
        assertThat(manifest.status()).isEqualTo(200);
        assertThat(manifest.header("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/manifest+json"));
        assertThat(manifest.json().get("display").asString()).isEqualTo("standalone");
        assertThat(manifest.json().get("start_url").asString()).isEqualTo("/");
        assertThat(manifest.json().get("scope").asString()).isEqualTo("/");

        BrowserClient.Response worker = outsider.get("/sw.js");
        assertThat(worker.status()).isEqualTo(200);
        assertThat(worker.header("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(worker.header("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp)
                        .contains("script-src 'self'")
                        .contains("worker-src 'self'")
                        .doesNotContain("unsafe"));

        for (String icon : List.of(
                "/icons/icon-192.png",
                "/icons/icon-512.png",
                "/icons/icon-maskable-192.png",
                "/icons/icon-maskable-512.png",
                "/icons/apple-touch-icon.png",
                "/icons/badge-96.png")) {
            BrowserClient.Response png = outsider.get(icon);
            assertThat(png.status()).as(icon).isEqualTo(200);
            assertThat(png.header("Content-Type")).as(icon).contains("image/png");
        }
        // Opening these did not open anything else: the API still wants a session, unknown files stay denied.
        assertThat(outsider.get("/api/devices").status()).isEqualTo(401);
        assertThat(outsider.get("/icons/../application.properties").status()).isIn(400, 401, 403, 404);
        assertThat(outsider.get("/sw.js.map").status()).isIn(401, 403, 404);
    }

    @Test
    void chromiumCanInstallItAndTheWorkerKeepsTheShellButNoApiAnswer(@TempDir Path profile) throws IOException {
        try (Phone phone = env.chromium().persistentPhone("owner", profile)) {
            Page page = phone.page();
            OwnerInBrowser.setUp(phone, env.hub());
            page.waitForFunction("() => navigator.serviceWorker.controller !== null");

            CDPSession cdp = phone.context().newCDPSession(page);
            JsonObject installability = cdp.send("Page.getInstallabilityErrors");
            assertThat(installability.getAsJsonArray("installabilityErrors")).isEmpty();
            JsonObject manifest = cdp.send("Page.getAppManifest");
            assertThat(manifest.get("url").getAsString()).endsWith("/manifest.webmanifest");
            assertThat(manifest.getAsJsonArray("errors")).isEmpty();

            // Every file of the app shell is cached (install fetched them all), nothing under /api/.
            @SuppressWarnings("unchecked")
            List<String> cached = (List<String>) page.evaluate("""
                    async () => {
                      const paths = [];
                      for (const name of await caches.keys()) {
                        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
                      }
                      return paths;
                    }
                    """);
            assertThat(cached)
                    .contains("/", "/manifest.webmanifest", "/favicon.svg")
                    .containsAll(appFiles());
            assertThat(cached).noneMatch(p -> p.startsWith("/api/"));

            // The installed app opens without the hub: the shell comes from the cache, and it says it is waiting.
            phone.context().setOffline(true);
            page.reload();
            assertThat(phone.$("h1.brand")).hasText("Doorward");
            assertThat(phone.$("#connection-state")).hasText("Reconnecting…");
            phone.context().setOffline(false);
            assertThat(phone.$("#device-list"))
                    .containsText("No doorbell yet", new LocatorAssertions.ContainsTextOptions().setTimeout(40_000));
            assertThat(phone.$("#connection-state")).isHidden();

            assertThat(phone.cspViolations()).isEmpty();
            assertThat(phone.cspConsoleErrors()).isEmpty();
        }
    }

    @Test
    void aNewVersionWaitsUntilThePersonReloads() {
        try (Phone phone = env.chromium().phone("someone")) {
            Page page = phone.page();
            page.navigate(env.hub().browserUrl().toString());
            page.waitForFunction("() => navigator.serviceWorker.controller !== null");
            assertThat(phone.$("#update-ready")).hasCount(0);

            // A new worker script for the same scope is a new version (a changed /sw.js is found the same way).
            page.evaluate("() => navigator.serviceWorker.register('/sw.js?next', { type: 'module', scope: '/' })"
                    + ".then(() => null)");
            assertThat(phone.$("#update-ready")).containsText("A new version is ready");
            // Until then the old version stays in charge.
            assertThat(page.evaluate("() => navigator.serviceWorker.controller.scriptURL"))
                    .asString()
                    .endsWith("/sw.js");

            phone.$("#update-ready button").click();
            page.waitForFunction("() => navigator.serviceWorker.controller"
                    + " && navigator.serviceWorker.controller.scriptURL.endsWith('/sw.js?next')");
            assertThat(phone.$("#login-form")).isVisible();
            assertThat(phone.cspViolations()).isEmpty();
        }
    }

    /** Every file under static/app, as the path the browser asks for. */
    private static List<String> appFiles() throws IOException {
        try (Stream<Path> files = Files.list(STATIC.resolve("app"))) {
            return files.map(f -> "/app/" + f.getFileName()).sorted().toList();
        }
    }
}

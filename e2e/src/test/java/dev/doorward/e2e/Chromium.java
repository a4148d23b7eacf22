package dev.doorward.e2e;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Debian Chromium driven by Playwright, one per test JVM ({@link #shared}): launching one costs seconds
 * (Playwright's driver unpacks itself into the temp directory each time it is created), a fresh profile
 * milliseconds. Each {@link #phone()} is a fresh browser profile sized like a phone, with every console error and CSP
 * violation of its pages recorded; a test class's profiles are closed when it ends ({@link #closeProfiles()}).
 */
final class Chromium implements AutoCloseable {
    static final int PHONE_WIDTH = 390;
    static final int PHONE_HEIGHT = 844;
    static final int DESKTOP_WIDTH = 1280;
    static final int DESKTOP_HEIGHT = 800;
    static final Path SCREENSHOTS = Paths.get("target", "screenshots");

    /**
     * Records every {@code securitypolicyviolation} event; an init script is injected by the browser itself,
     * so the page's CSP does not apply to it.
     */
    private static final String RECORD_CSP_VIOLATIONS = """
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', (e) => {
              window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
            });
            """;

    private final Playwright playwright;
    private final Browser browser;
    /** Browsers of their own ({@link #persistentPhone}): closed with the profiles. */
    private final List<BrowserContext> persistent = new CopyOnWriteArrayList<>();

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    private static final List<String> ARGS = List.of(
            // The hub's certificate comes from a CA made for this test run.
            "--ignore-certificate-errors",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream");

    /**
     * The test run's Chromium, launched on first use and closed when the run ends (an {@link AutoCloseable} in the
     * root store); launched again if an earlier class left it disconnected (crashed).
     */
    static Chromium shared(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.create(Chromium.class));
        Chromium chromium = store.get(Chromium.class, Chromium.class);
        if (chromium != null && !chromium.browser.isConnected()) {
            store.remove(Chromium.class);
            try {
                chromium.close();
            } catch (RuntimeException e) {
                // It is gone already: a new one is launched below.
            }
            chromium = null;
        }
        if (chromium == null) {
            chromium = launch();
            store.put(Chromium.class, chromium);
        }
        return chromium;
    }

    /**
     * Closes every profile (with its pages, sockets, storage) a test class opened, so that nothing it left running
     * goes on into the next class, which gets the same browser.
     */
    void closeProfiles() {
        for (BrowserContext context : persistent) {
            context.close();
        }
        persistent.clear();
        for (BrowserContext context : browser.contexts()) {
            context.close();
        }
    }

    static Chromium launch() {
        PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
        Playwright playwright = Playwright.create();
        try {
            Browser browser = playwright
                    .chromium()
                    .launch(new BrowserType.LaunchOptions()
                            .setExecutablePath(Paths.get("/usr/bin/chromium"))
                            .setHeadless(true)
                            .setArgs(ARGS));
            return new Chromium(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw e;
        }
    }

    /** A new, empty browser profile (no cookies, no storage) the size of a phone. */
    Phone phone(String who) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(PHONE_WIDTH, PHONE_HEIGHT)
                .setDeviceScaleFactor(2)
                .setIsMobile(true)
                .setHasTouch(true)
                .setIgnoreHTTPSErrors(true));
        return phoneIn(who, context);
    }

    /** A new, empty browser profile the size of a desktop window: mouse and keyboard, no touch. */
    Phone desktop(String who) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(DESKTOP_WIDTH, DESKTOP_HEIGHT)
                .setIgnoreHTTPSErrors(true));
        return phoneIn(who, context);
    }

    private static Phone phoneIn(String who, BrowserContext context) {
        context.setDefaultTimeout(10_000);
        context.addInitScript(RECORD_CSP_VIOLATIONS);
        Page page =
                context.pages().isEmpty() ? context.newPage() : context.pages().getFirst();
        List<String> consoleErrors = new CopyOnWriteArrayList<>();
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type())) {
                consoleErrors.add(message.text());
            }
        });
        page.onPageError(error -> consoleErrors.add("uncaught " + error));
        return new Phone(who, context, page, consoleErrors);
    }

    /**
     * A browser with an ordinary (not incognito) profile in {@code profile}, the size of a phone: Chromium installs
     * apps only from such a profile. Closing the phone ends that browser.
     */
    Phone persistentPhone(String who, Path profile) {
        BrowserContext context = playwright
                .chromium()
                .launchPersistentContext(
                        profile,
                        new BrowserType.LaunchPersistentContextOptions()
                                .setExecutablePath(Paths.get("/usr/bin/chromium"))
                                .setHeadless(true)
                                .setArgs(ARGS)
                                .setViewportSize(PHONE_WIDTH, PHONE_HEIGHT)
                                .setDeviceScaleFactor(2)
                                .setIsMobile(true)
                                .setHasTouch(true)
                                .setIgnoreHTTPSErrors(true));
        persistent.add(context);
        return phoneIn(who, context);
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }

    /** One person's browser: a profile with one page. */
    record Phone(String who, BrowserContext context, Page page, List<String> consoleErrors) implements AutoCloseable {
        Locator $(String selector) {
            return page.locator(selector);
        }

        /** Console errors (including failed requests, which Chromium logs as errors) and uncaught exceptions. */
        public List<String> consoleErrors() {
            return List.copyOf(consoleErrors);
        }

        /** Console errors that report a Content-Security-Policy violation. */
        List<String> cspConsoleErrors() {
            return consoleErrors.stream()
                    .filter(e -> e.contains("Content Security Policy"))
                    .toList();
        }

        @SuppressWarnings("unchecked")
        List<String> cspViolations() {
            return (List<String>) page.evaluate("() => window.__cspViolations || []");
        }

        /** Saves what the screen shows now under target/screenshots. */
        Path screenshot(String name) {
            Path file = SCREENSHOTS.resolve(name + ".png");
            page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(false));
            return file;
        }

        @Override
        public void close() {
            context.close();
        }
    }

    /** The pixels of one element as the screen shows them: what a camera pointed at the phone would see. */
    static BufferedImage pictureOf(Locator element) {
        byte[] png = element.screenshot();
        try {
            return Objects.requireNonNull(ImageIO.read(new ByteArrayInputStream(png)), "not a PNG");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.doorward.e2e;

import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real hub and a headless Chromium for one test class. The hub is the class's own, started before its tests and
 * stopped after, unless the class only loads the web app's modules from it ({@link #webAppOnly()}). The Chromium
 * is the test run's ({@link Chromium#shared}); the class's profiles are closed after its tests.
 */
final class HubAndBrowser implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> hubSettings;
    private final boolean sharedHub;
    private Path dir;
    private TestHub hub;
    private Chromium chromium;

    HubAndBrowser(Map<String, String> hubSettings) {
        this(hubSettings, false);
    }

    private HubAndBrowser(Map<String, String> hubSettings, boolean sharedHub) {
        this.hubSettings = hubSettings;
        this.sharedHub = sharedHub;
    }

    /**
     * For classes that use the hub only as the server of the web app's files (the interop tests run its modules in
     * the browser against data of their own): one hub with default settings for every such class of the test run,
     * never signed in to, stopped when the run ends.
     */
    static HubAndBrowser webAppOnly() {
        return new HubAndBrowser(Map.of(), true);
    }

    TestHub hub() {
        return hub;
    }

    Chromium chromium() {
        return chromium;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (sharedHub) {
            hub = context.getRoot()
                    .getStore(ExtensionContext.Namespace.create(HubAndBrowser.class))
                    .computeIfAbsent(WebAppHub.class, k -> new WebAppHub(), WebAppHub.class)
                    .hub;
        } else {
            dir = Files.createTempDirectory("doorward-e2e");
            hub = TestHub.start(dir, hubSettings);
        }
        chromium = Chromium.shared(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (chromium != null) {
                chromium.closeProfiles();
            }
        } finally {
            if (!sharedHub) {
                if (hub != null) {
                    hub.close();
                }
                delete(dir);
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The web app's hub of the test run, closed by JUnit when the run ends. */
    private static final class WebAppHub implements AutoCloseable {
        private final Path dir;
        private final TestHub hub;

        WebAppHub() {
            try {
                dir = Files.createTempDirectory("doorward-e2e-app");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            hub = TestHub.start(dir);
        }

        @Override
        public void close() throws IOException {
            try {
                hub.close();
            } finally {
                delete(dir);
            }
        }
    }
}

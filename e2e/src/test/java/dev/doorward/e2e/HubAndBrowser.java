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

/** A real hub and a headless Chromium for one test class, started before its tests and stopped after. */
final class HubAndBrowser implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, String> hubSettings;
    private Path dir;
    private TestHub hub;
    private Chromium chromium;

    HubAndBrowser(Map<String, String> hubSettings) {
        this.hubSettings = hubSettings;
    }

    TestHub hub() {
        return hub;
    }

    Chromium chromium() {
        return chromium;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("doorward-e2e");
        hub = TestHub.start(dir, hubSettings);
        chromium = Chromium.launch();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

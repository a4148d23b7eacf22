package dev.doorward.hub.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** A doorbell gone for longer than offline-after is "offline" in the history, and "online" when it is back. */
class ConnectivityTest {
    @TempDir
    Path dir;

    @Test
    void aDoorbellGoneLongEnoughIsOfflineInTheHistoryThenOnlineAgain() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.offline-after", "1s"))) {
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = owner.claim(hub, minted);
            assertThat(kinds(owner)).isEmpty();

            doorbell.close();
            assertThat(await(() -> kinds(owner).equals(List.of("offline")))).isTrue();

            DeviceAgent again = hub.startDevice(minted);
            assertThat(again.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                    .isTrue();
            assertThat(await(() -> kinds(owner).equals(List.of("online", "offline"))))
                    .isTrue();
            // Staying connected, it is not reported offline again.
            Thread.sleep(7_000);
            assertThat(kinds(owner)).containsExactly("online", "offline");
            again.close();
        }
    }

    private static List<String> kinds(Household owner) {
        List<String> kinds = new ArrayList<>();
        for (JsonNode e : owner.browser()
                .get("/api/events?householdId=" + owner.householdId())
                .json()) {
            kinds.add(e.get("kind").stringValue());
        }
        return kinds;
    }

    private static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}

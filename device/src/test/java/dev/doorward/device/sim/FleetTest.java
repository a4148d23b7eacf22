package dev.doorward.device.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetTest {
    @TempDir
    Path temp;

    @Test
    void startsOneAgentPerDevice() {
        List<MintedDevice> minted =
                Fleet.mint(temp.resolve("ca"), temp.resolve("fleet"), 3, new MutableClock(), new SecureRandom());

        try (Fleet fleet = Fleet.startDirectories(
                minted.stream().map(MintedDevice::deviceDir).toList())) {
            assertThat(fleet.size()).isEqualTo(3);
            assertThat(fleet.agents())
                    .extracting(DeviceAgent::serial)
                    .containsExactlyElementsOf(
                            minted.stream().map(MintedDevice::serial).toList());
            assertThat(fleet.agents())
                    .allSatisfy(a -> assertThat(a.ownershipState()).isEqualTo(OwnershipState.FACTORY_NEW));
        }
    }
}

package dev.doorward.device.sim;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.DeviceConfig;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Many simulated doorbells in one process, for tests and benchmarks. */
public final class Fleet implements AutoCloseable {
    private final List<DeviceAgent> agents;

    private Fleet(List<DeviceAgent> agents) {
        this.agents = List.copyOf(agents);
    }

    /** Mints {@code count} devices into {@code root}/device-0, device-1, ... */
    public static List<MintedDevice> mint(
            Path manufacturerCaDir, Path root, int count, Clock clock, SecureRandom random) {
        List<MintedDevice> minted = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            minted.add(Factory.mint(manufacturerCaDir, root.resolve("device-" + i), clock, random));
        }
        return minted;
    }

    /** Starts one agent per configuration, in parallel; if any fails to start, the others are closed. */
    public static Fleet start(List<DeviceConfig> configs) {
        List<DeviceAgent> started = new ArrayList<>(configs.size());
        try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<DeviceAgent>> futures = new ArrayList<>(configs.size());
            for (DeviceConfig config : configs) {
                futures.add(starter.submit(() -> DeviceAgent.start(config)));
            }
            RuntimeException failure = null;
            for (Future<DeviceAgent> future : futures) {
                try {
                    started.add(future.get());
                } catch (ExecutionException e) {
                    failure = failure != null
                            ? failure
                            : new IllegalStateException("an agent failed to start", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while starting the fleet", e);
                }
            }
            if (failure != null) {
                started.forEach(DeviceAgent::close);
                throw failure;
            }
        }
        return new Fleet(started);
    }

    /** Starts agents with the product defaults for each device directory. */
    public static Fleet startDirectories(List<Path> deviceDirs) {
        return start(deviceDirs.stream().map(DeviceConfig::of).toList());
    }

    public List<DeviceAgent> agents() {
        return agents;
    }

    public DeviceAgent agent(int index) {
        return agents.get(index);
    }

    public int size() {
        return agents.size();
    }

    @Override
    public void close() {
        try (ExecutorService closer = Executors.newVirtualThreadPerTaskExecutor()) {
            agents.forEach(agent -> closer.submit(agent::close));
        }
    }
}

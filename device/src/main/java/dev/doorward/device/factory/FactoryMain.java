package dev.doorward.device.factory;

import dev.doorward.crypto.setup.SetupCodes;
import dev.doorward.device.Console;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * {@code FactoryMain mint --ca DIR --out DIR}: mints one device. Prints the setup code once, for the label
 * printer; it is stored nowhere else.
 */
public final class FactoryMain {
    private FactoryMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        Path ca = null;
        Path out = null;
        boolean mint = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "mint" -> mint = true;
                case "--ca" -> ca = i + 1 < args.length ? Path.of(args[++i]) : null;
                case "--out" -> out = i + 1 < args.length ? Path.of(args[++i]) : null;
                default -> {
                    usage("unknown argument: " + args[i]);
                    return;
                }
            }
        }
        if (!mint || ca == null || out == null) {
            usage(null);
            return;
        }
        try {
            MintedDevice device = Factory.mint(ca, out, Clock.systemUTC(), new SecureRandom());
            Console.out("serial:     " + device.serial());
            Console.out("setup code: " + SetupCodes.format(device.setupCode()));
            Console.out("label:      " + device.label().toAbsolutePath());
        } catch (RuntimeException e) {
            Console.err("mint failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        if (problem != null) {
            Console.err(problem);
        }
        Console.err("usage: FactoryMain mint --ca MANUFACTURER_CA_DIR --out DEVICE_DIR");
        System.exit(2);
    }
}

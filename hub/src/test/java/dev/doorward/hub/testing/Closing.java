package dev.doorward.hub.testing;

/** Closes test resources in the order given; one that fails (or was never started) does not keep the next open. */
public final class Closing {
    private Closing() {}

    public static void all(AutoCloseable... resources) {
        for (AutoCloseable closing : resources) {
            try {
                if (closing != null) {
                    closing.close();
                }
            } catch (Exception e) {
                // the next one still closes
            }
        }
    }
}

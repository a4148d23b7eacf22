package dev.doorward.device;

import java.io.PrintStream;

/**
 * User-facing output of the command-line tools. Everything else logs through SLF4J; keeping the console in
 * one place makes it easy to see that no secret but the one a CLI is asked to print ever reaches it.
 */
public final class Console {
    private Console() {}

    @SuppressWarnings("java:S106") // the one sanctioned use of System.out
    private static final PrintStream OUT = System.out;

    @SuppressWarnings("java:S106")
    private static final PrintStream ERR = System.err;

    public static void out(String line) {
        OUT.println(line);
        OUT.flush();
    }

    public static void err(String line) {
        ERR.println(line);
        ERR.flush();
    }
}

package dev.doorward.hub.push;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * {@code setpriority(PRIO_PROCESS, gettid(), nice)} through the FFM API: on Linux it changes the calling thread
 * only. Loaded by name from {@link YieldingThreads} on Java 22 or newer.
 */
final class LinuxThreadPriority implements YieldingThreads.OwnPriority {
    private static final int PRIO_PROCESS = 0;

    private final MethodHandle gettid;
    private final MethodHandle setpriority;

    LinuxThreadPriority() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        this.gettid = linker.downcallHandle(
                libc.find("gettid").orElseThrow(() -> new IllegalStateException("no gettid in the C library")),
                FunctionDescriptor.of(JAVA_INT));
        this.setpriority = linker.downcallHandle(
                libc.find("setpriority").orElseThrow(() -> new IllegalStateException("no setpriority")),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    @Override
    public void lower(int nice) throws Throwable {
        int tid = (int) gettid.invokeExact();
        int result = (int) setpriority.invokeExact(PRIO_PROCESS, tid, nice);
        if (result != 0) {
            throw new IllegalStateException("setpriority returned " + result);
        }
    }
}

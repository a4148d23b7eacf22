package dev.doorward.device.hardware.gpio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A GPIO chip through the Linux GPIO character device, by way of libgpiod 1.x (Debian 12 and Raspberry Pi OS
 * Bookworm: package {@code libgpiod2}) called through the FFM API: no JNI, no native code of our own. Lines
 * are requested for this process only; the kernel gives them back when it exits. Not testable without a GPIO
 * chip (CI has none: {@link DoorbellGpio} is tested with a fake chip); docs/hardware.md says how to check it
 * on the Pi.
 */
public final class LibgpiodChip implements GpioChip {
    private static final String CONSUMER = "doorward";
    /** GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP (BIT(5)) and _BIAS_DISABLE (BIT(3)) in gpiod.h 1.6. */
    private static final int FLAG_BIAS_PULL_UP = 1 << 5;

    private static final int FLAG_BIAS_DISABLE = 1 << 3;

    private final Arena arena = Arena.ofShared();
    private final MethodHandle getLine;
    private final MethodHandle requestInput;
    private final MethodHandle requestOutput;
    private final MethodHandle getValue;
    private final MethodHandle setValue;
    private final MethodHandle release;
    private final MethodHandle chipClose;
    private final MemorySegment chip;
    private final List<MemorySegment> lines = new ArrayList<>();

    /** Opens {@code device} (e.g. /dev/gpiochip0). */
    public LibgpiodChip(Path device) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup("libgpiod.so.2", arena);
        } catch (IllegalArgumentException e) {
            arena.close();
            throw new IllegalStateException("libgpiod 1.x is not installed (apt-get install libgpiod2)", e);
        }
        var ptr = ValueLayout.ADDRESS;
        var i32 = ValueLayout.JAVA_INT;
        MethodHandle open = linker.downcallHandle(find(lib, "gpiod_chip_open"), FunctionDescriptor.of(ptr, ptr));
        getLine = linker.downcallHandle(find(lib, "gpiod_chip_get_line"), FunctionDescriptor.of(ptr, ptr, i32));
        requestInput = linker.downcallHandle(
                find(lib, "gpiod_line_request_input_flags"), FunctionDescriptor.of(i32, ptr, ptr, i32));
        requestOutput = linker.downcallHandle(
                find(lib, "gpiod_line_request_output_flags"), FunctionDescriptor.of(i32, ptr, ptr, i32, i32));
        getValue = linker.downcallHandle(find(lib, "gpiod_line_get_value"), FunctionDescriptor.of(i32, ptr));
        setValue = linker.downcallHandle(find(lib, "gpiod_line_set_value"), FunctionDescriptor.of(i32, ptr, i32));
        release = linker.downcallHandle(find(lib, "gpiod_line_release"), FunctionDescriptor.ofVoid(ptr));
        chipClose = linker.downcallHandle(find(lib, "gpiod_chip_close"), FunctionDescriptor.ofVoid(ptr));
        try {
            chip = (MemorySegment) open.invokeExact(arena.allocateFrom(device.toString()));
        } catch (Throwable t) {
            throw new IllegalStateException("gpiod_chip_open failed", t);
        }
        if (chip.equals(MemorySegment.NULL)) {
            arena.close();
            throw new IllegalStateException("cannot open " + device
                    + " (does it exist, and is this user in the gpio group?)");
        }
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("libgpiod has no " + name));
    }

    @Override
    public synchronized InputLine input(int offset, boolean pullUp) {
        MemorySegment line = line(offset);
        int rc;
        try {
            rc = (int) requestInput.invokeExact(
                    line, arena.allocateFrom(CONSUMER), pullUp ? FLAG_BIAS_PULL_UP : FLAG_BIAS_DISABLE);
        } catch (Throwable t) {
            throw new IllegalStateException("requesting GPIO line " + offset + " failed", t);
        }
        check(rc, "request line " + offset + " as input (is it used by something else?)");
        lines.add(line);
        return () -> {
            try {
                int value = (int) getValue.invokeExact(line);
                check(value, "read line " + offset);
                return value == 1;
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("reading GPIO line " + offset + " failed", t);
            }
        };
    }

    @Override
    public synchronized OutputLine output(int offset, boolean level) {
        MemorySegment line = line(offset);
        int rc;
        try {
            rc = (int) requestOutput.invokeExact(line, arena.allocateFrom(CONSUMER), 0, level ? 1 : 0);
        } catch (Throwable t) {
            throw new IllegalStateException("requesting GPIO line " + offset + " failed", t);
        }
        check(rc, "request line " + offset + " as output (is it used by something else?)");
        lines.add(line);
        return high -> {
            try {
                check((int) setValue.invokeExact(line, high ? 1 : 0), "set line " + offset);
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("setting GPIO line " + offset + " failed", t);
            }
        };
    }

    private MemorySegment line(int offset) {
        MemorySegment line;
        try {
            line = (MemorySegment) getLine.invokeExact(chip, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("gpiod_chip_get_line failed", t);
        }
        if (line.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("the GPIO chip has no line " + offset);
        }
        return line;
    }

    private static void check(int rc, String what) {
        if (rc < 0) {
            throw new IllegalStateException("GPIO: cannot " + what);
        }
    }

    @Override
    public synchronized void close() {
        try {
            for (MemorySegment line : lines) {
                release.invokeExact(line);
            }
            lines.clear();
            chipClose.invokeExact(chip);
        } catch (Throwable t) {
            throw new IllegalStateException("closing the GPIO chip failed", t);
        } finally {
            arena.close();
        }
    }
}

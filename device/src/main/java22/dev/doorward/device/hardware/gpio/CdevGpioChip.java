package dev.doorward.device.hardware.gpio;

import static dev.doorward.device.hardware.gpio.GpioUapi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GPIO chip through the kernel's GPIO character device, uAPI v2 (Linux 5.10 and later), with only libc's
 * {@code open}, {@code ioctl}, {@code poll}, {@code read}, {@code eventfd}, {@code write} and {@code close} called
 * through the FFM API: no libgpiod, so the same code runs on Raspberry Pi OS Bookworm (libgpiod 1.x) and Trixie
 * (2.x). Each line is its own line request (its own file descriptor); the kernel releases it when the
 * descriptor closes, also when the process dies. Inputs report both edges, read from the request's descriptor as
 * {@code struct gpio_v2_line_event}. Layouts: {@link GpioUapi}. Linux, 64-bit.
 */
public final class CdevGpioChip implements GpioChip {
    private static final Logger log = LoggerFactory.getLogger(CdevGpioChip.class);
    private static final String CONSUMER = "doorward";
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final short POLLIN = 0x1;
    private static final int EINTR = 4;
    /** struct pollfd { int fd; short events; short revents; } */
    private static final int POLLFD_SIZE = 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    // With errno captured (the first argument is then the call state), and open/ioctl variadic from their third.
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(I32, ADDR, I32, I32), true, 2);
    private static final MethodHandle IOCTL = handle("ioctl", FunctionDescriptor.of(I32, I32, I64, ADDR), true, 2);
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(I32, ADDR, I64, I32), true, -1);
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(I64, I32, ADDR, I64), true, -1);
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(I64, I32, ADDR, I64), false, -1);
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(I32, I32, I32), false, -1);
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(I32, I32), false, -1);
    private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ADDR, I32), false, -1);

    private final Path device;
    private final int chipFd;
    private final int lineCount;
    private final int wakeFd;
    /** Held while waiting for edges: close() takes it after waking the waiter, so no descriptor is closed under it. */
    private final ReentrantLock waiting = new ReentrantLock();
    // Guarded by this.
    private final List<Request> inputs = new ArrayList<>();
    private final List<Request> outputs = new ArrayList<>();
    private boolean closed;

    private record Request(int offset, int fd) {}

    /** Opens {@code device} (e.g. /dev/gpiochip0) and checks that it is a GPIO chip. */
    public CdevGpioChip(Path device) {
        this.device = device;
        int fd = openDevice(device);
        this.chipFd = fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(CHIPINFO_SIZE, 8);
            ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, info, device + " is not a GPIO chip: GPIO_GET_CHIPINFO_IOCTL");
            this.lineCount = info.get(I32, CHIPINFO_LINES);
            this.wakeFd = eventfd();
        } catch (RuntimeException e) {
            closeFd(fd);
            throw e;
        }
    }

    /** open(2) read-write, close-on-exec; a clear error naming the device and the group to join. */
    static int openDevice(Path device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(device.toString()), O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IllegalStateException("cannot open " + device + ": " + strerror(errno(state))
                        + " (is gpio.chip right? ls /dev/gpiochip* lists the chips; the user must be in the gpio"
                        + " group: sudo usermod -aG gpio doorward)");
            }
            return fd;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open " + device + " failed", t);
        }
    }

    /** A non-blocking eventfd: written by {@link #wake}, it ends a {@link #pollEdges} at once. */
    static int eventfd() {
        try {
            int efd = (int) EVENTFD.invokeExact(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (efd < 0) {
                throw new IllegalStateException("eventfd failed");
            }
            return efd;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("eventfd failed", t);
        }
    }

    static void wake(int efd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(I64);
            one.set(I64, 0, 1L);
            long unused = (long) WRITE.invokeExact(efd, one, 8L);
        } catch (Throwable t) {
            // The waiter wakes at its timeout all the same.
        }
    }

    @Override
    public synchronized InputLine input(int offset, boolean pullUp, Duration filter) {
        long flags = GPIO_V2_LINE_FLAG_INPUT
                | GPIO_V2_LINE_FLAG_EDGE_RISING
                | GPIO_V2_LINE_FLAG_EDGE_FALLING
                | (pullUp ? GPIO_V2_LINE_FLAG_BIAS_PULL_UP : GPIO_V2_LINE_FLAG_BIAS_DISABLED);
        int us = (int) Math.min(filter.toNanos() / 1000, Integer.MAX_VALUE);
        Request request;
        if (us > 0) {
            try {
                request = request(offset, flags, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, us);
            } catch (IllegalStateException e) {
                // A line the kernel cannot debounce (no interrupt for its software debounce): ours still applies.
                log.info("GPIO line {}: no debounce in the kernel ({}); the agent's own applies", offset, e.getMessage());
                request = request(offset, flags, 0, 0);
            }
        } else {
            request = request(offset, flags, 0, 0);
        }
        inputs.add(request);
        int fd = request.fd();
        return () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment values = arena.allocate(VALUES_SIZE, 8);
                values.set(I64, VALUES_MASK, 1L);
                // Under the chip's lock: a closed descriptor's number may already belong to something else.
                synchronized (this) {
                    checkOpen();
                    ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, values, "read line " + offset + ": GPIO_V2_LINE_GET_VALUES");
                }
                return (values.get(I64, VALUES_BITS) & 1L) != 0;
            }
        };
    }

    @Override
    public synchronized OutputLine output(int offset, boolean level) {
        // The level goes in with the request: the line is never driven to anything else, not even for a moment.
        Request request = request(offset, GPIO_V2_LINE_FLAG_OUTPUT, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, level ? 1 : 0);
        outputs.add(request);
        int fd = request.fd();
        return high -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment values = arena.allocate(VALUES_SIZE, 8);
                values.set(I64, VALUES_BITS, high ? 1L : 0L);
                values.set(I64, VALUES_MASK, 1L);
                synchronized (this) {
                    checkOpen();
                    ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, values, "set line " + offset + ": GPIO_V2_LINE_SET_VALUES");
                }
            }
        };
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the GPIO chip " + device + " is closed");
        }
    }

    /** One line in one request; {@code attrId} 0 for no attribute, else its value (output values, debounce µs). */
    private Request request(int offset, long flags, int attrId, long attrValue) {
        if (closed) {
            throw new IllegalStateException("the GPIO chip is closed");
        }
        if (offset < 0 || offset >= lineCount) {
            throw new IllegalArgumentException(
                    device + " has lines 0.." + (lineCount - 1) + ", no line " + offset + " (gpioinfo lists them)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(REQUEST_SIZE, 8); // zeroed
            req.set(I32, REQUEST_OFFSETS, offset);
            byte[] consumer = CONSUMER.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(consumer, 0, req, ValueLayout.JAVA_BYTE, REQUEST_CONSUMER, consumer.length);
            req.set(I64, REQUEST_CONFIG + CONFIG_FLAGS, flags);
            if (attrId != 0) {
                long attr = REQUEST_CONFIG + CONFIG_ATTRS;
                req.set(I32, REQUEST_CONFIG + CONFIG_NUM_ATTRS, 1);
                req.set(I32, attr + ATTR_ID, attrId);
                if (attrId == GPIO_V2_LINE_ATTR_ID_DEBOUNCE) {
                    req.set(I32, attr + ATTR_VALUE, (int) attrValue); // __u32 debounce_period_us
                } else {
                    req.set(I64, attr + ATTR_VALUE, attrValue);
                }
                req.set(I64, attr + CONFIG_ATTR_MASK, 1L); // bit 0: the request's first (only) line
            }
            req.set(I32, REQUEST_NUM_LINES, 1);
            ioctl(
                    chipFd,
                    GPIO_V2_GET_LINE_IOCTL,
                    req,
                    "request line " + offset + " of " + device + ": GPIO_V2_GET_LINE (gpioinfo shows who holds it)");
            return new Request(offset, req.get(I32, REQUEST_FD));
        }
    }

    @Override
    public List<Integer> awaitEdges(Duration timeout) throws InterruptedException {
        int[] fds;
        synchronized (this) {
            if (closed) {
                return List.of();
            }
            fds = inputs.stream().mapToInt(Request::fd).toArray();
        }
        int millis = (int) Math.max(0, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        waiting.lock();
        try {
            synchronized (this) {
                if (closed) {
                    return List.of();
                }
            }
            return pollEdges(fds, wakeFd, millis);
        } finally {
            waiting.unlock();
        }
    }

    /**
     * Waits up to {@code millis} until one of {@code fds} (line requests) or {@code wakeFd} is readable, then reads
     * one {@code struct gpio_v2_line_event} from each readable line request; returns their line offsets.
     */
    static List<Integer> pollEdges(int[] fds, int wakeFd, int millis) throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate((long) POLLFD_SIZE * (fds.length + 1), 8);
            for (int i = 0; i <= fds.length; i++) {
                pollfds.set(I32, (long) i * POLLFD_SIZE, i < fds.length ? fds[i] : wakeFd);
                pollfds.set(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 4, POLLIN);
            }
            MemorySegment state = arena.allocate(CALL_STATE);
            int ready = (int) POLL.invokeExact(state, pollfds, (long) fds.length + 1, millis);
            if (ready < 0) {
                int errno = errno(state);
                if (errno == EINTR) {
                    return List.of();
                }
                throw new IllegalStateException("poll on the GPIO lines: " + strerror(errno));
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            List<Integer> edges = new ArrayList<>();
            MemorySegment event = arena.allocate(EVENT_SIZE, 8);
            for (int i = 0; i < fds.length && ready > 0; i++) {
                short revents = pollfds.get(ValueLayout.JAVA_SHORT, (long) i * POLLFD_SIZE + 6);
                if (revents == 0) {
                    continue;
                }
                // One event per read; poll again next time for any the kernel still holds.
                long n = (long) READ.invokeExact(state, fds[i], event, (long) EVENT_SIZE);
                if (n != EVENT_SIZE) {
                    throw new IllegalStateException("reading a GPIO edge event: "
                            + (n < 0 ? strerror(errno(state)) : "short read of " + n + " bytes"));
                }
                edges.add(event.get(I32, EVENT_OFFSET));
            }
            return edges;
        } catch (RuntimeException | InterruptedException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("waiting for GPIO edges failed", t);
        }
    }

    /** Releases every line: outputs first (the caller drove them inactive), then the inputs and the chip. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Request r : outputs) {
                closeFd(r.fd());
            }
            outputs.clear();
        }
        wake(wakeFd);
        waiting.lock(); // the waiter is out of poll/read: its descriptors can go
        try {
            synchronized (this) {
                for (Request r : inputs) {
                    closeFd(r.fd());
                }
                inputs.clear();
                closeFd(wakeFd);
                closeFd(chipFd);
            }
        } finally {
            waiting.unlock();
        }
    }

    private static void ioctl(int fd, long request, MemorySegment arg, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
            if (rc < 0) {
                throw new IllegalStateException(what + " failed: " + strerror(errno(state)));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what + " failed", t);
        }
    }

    private static void closeFd(int fd) {
        try {
            int unused = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // Nothing more to do with a descriptor that will not close.
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** A libc function; {@code variadicFrom} >= 0 marks where a variadic C signature's optional arguments start. */
    private static MethodHandle handle(
            String name, FunctionDescriptor descriptor, boolean captureErrno, int variadicFrom) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        List<Linker.Option> options = new ArrayList<>();
        if (captureErrno) {
            options.add(ERRNO_OPTION);
        }
        if (variadicFrom >= 0) {
            options.add(Linker.Option.firstVariadicArg(variadicFrom));
        }
        return LINKER.downcallHandle(symbol, descriptor, options.toArray(Linker.Option[]::new));
    }
}

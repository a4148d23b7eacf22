package dev.doorward.device.hardware.systemd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Datagrams to a Unix socket ({@code $NOTIFY_SOCKET}) through libc's {@code socket} and {@code sendto}, called
 * with the FFM API: the JDK's DatagramChannel cannot address Unix sockets. Linux, 64-bit (size_t is a long). A
 * name starting with {@code @} is in the abstract namespace, as systemd means it.
 */
public final class UnixDatagramSender implements SystemdNotify.Sender {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un.sun_path) on Linux. */
    private static final int SUN_PATH = 108;

    private final MethodHandle sendto;
    private final MethodHandle close;
    private final byte[] path;
    private final boolean abstractName;
    private int fd;

    public UnixDatagramSender(String socket) {
        abstractName = socket.startsWith("@");
        path = (abstractName ? socket.substring(1) : socket).getBytes(StandardCharsets.UTF_8);
        if (!abstractName && !socket.startsWith("/")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET must be an absolute path or start with @");
        }
        if (path.length + 1 > SUN_PATH) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is longer than a Unix socket address can be");
        }
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        var i32 = ValueLayout.JAVA_INT;
        var i64 = ValueLayout.JAVA_LONG;
        var ptr = ValueLayout.ADDRESS;
        MethodHandle socketCall =
                linker.downcallHandle(libc.find("socket").orElseThrow(), FunctionDescriptor.of(i32, i32, i32, i32));
        sendto = linker.downcallHandle(
                libc.find("sendto").orElseThrow(), FunctionDescriptor.of(i64, i32, ptr, i64, i32, ptr, i32));
        close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(i32, i32));
        try {
            fd = (int) socketCall.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("socket(AF_UNIX) failed", t);
        }
        if (fd < 0) {
            throw new IllegalStateException("socket(AF_UNIX, SOCK_DGRAM) failed");
        }
    }

    @Override
    public synchronized void send(String message) {
        if (fd < 0) {
            throw new IllegalStateException("closed");
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            // struct sockaddr_un: sa_family_t (unsigned short, native order), then the path.
            MemorySegment address = arena.allocate(2 + SUN_PATH);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            int offset = abstractName ? 3 : 2; // abstract: a leading NUL, and no trailing one counted
            MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, offset, path.length);
            int length = abstractName ? 3 + path.length : 2 + path.length + 1;
            long sent;
            try {
                sent = (long) sendto.invokeExact(fd, data, (long) bytes.length, MSG_NOSIGNAL, address, length);
            } catch (Throwable t) {
                throw new IllegalStateException("sendto failed", t);
            }
            if (sent != bytes.length) {
                throw new IllegalStateException("sendto NOTIFY_SOCKET failed (is systemd's socket there?)");
            }
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                int unused = (int) close.invokeExact(fd);
            } catch (Throwable t) {
                // nothing to do on the way out
            }
            fd = -1;
        }
    }
}

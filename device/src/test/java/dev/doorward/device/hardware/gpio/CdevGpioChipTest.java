package dev.doorward.device.hardware.gpio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The uAPI chip's waiting for edges, without a GPIO chip (none here): its real calls to libc's open, eventfd,
 * poll, read and write, with {@code /dev/zero} standing in for a line request's descriptor (always readable; its
 * 48 zero bytes read as an event on line 0). The class is compiled at Java 22, so it is reached by reflection.
 */
class CdevGpioChipTest {
    private static final Class<?> CHIP = chipClass();

    private static Class<?> chipClass() {
        try {
            return Class.forName("dev.doorward.device.hardware.gpio.CdevGpioChip");
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private static Object call(String name, Class<?>[] types, Object... args) throws Throwable {
        Method m = CHIP.getDeclaredMethod(name, types);
        m.setAccessible(true);
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static int open(String path) throws Throwable {
        return (int) call("openDevice", new Class<?>[] {Path.class}, Path.of(path));
    }

    private static int eventfd() throws Throwable {
        return (int) call("eventfd", new Class<?>[0]);
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> poll(int[] fds, int wakeFd, int millis) throws Throwable {
        return (List<Integer>)
                call("pollEdges", new Class<?>[] {int[].class, int.class, int.class}, fds, wakeFd, millis);
    }

    private static void close(int fd) throws Throwable {
        call("closeFd", new Class<?>[] {int.class}, fd);
    }

    @Test
    void aReadableLineRequestGivesItsEventAndTheWaitEndsAtItsTimeoutOrAWakeUp() throws Throwable {
        int zero = open("/dev/zero");
        int efd = eventfd();
        try {
            long start = System.nanoTime();
            assertThat(poll(new int[] {zero}, efd, 5_000)).containsExactly(0);
            assertThat((System.nanoTime() - start) / 1_000_000).as("at once").isLessThan(1_000);

            start = System.nanoTime();
            assertThat(poll(new int[0], efd, 200)).isEmpty();
            assertThat((System.nanoTime() - start) / 1_000_000)
                    .as("the timeout")
                    .isBetween(150L, 2_000L);

            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                    call("wake", new Class<?>[] {int.class}, efd);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
            });
            start = System.nanoTime();
            assertThat(poll(new int[0], efd, 10_000)).isEmpty();
            assertThat((System.nanoTime() - start) / 1_000_000)
                    .as("woken, not timed out")
                    .isLessThan(5_000);
            waker.join();
        } finally {
            close(zero);
            close(efd);
        }
    }

    /** A descriptor that says readable but gives no whole event (here /dev/null's end of file) is an error. */
    @Test
    void aShortEventIsAnError() throws Throwable {
        int nul = open("/dev/null");
        int efd = eventfd();
        try {
            assertThatThrownBy(() -> poll(new int[] {nul}, efd, 1_000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("reading a GPIO edge event: short read of 0 bytes");
        } finally {
            close(nul);
            close(efd);
        }
    }
}

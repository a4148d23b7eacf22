package dev.doorward.device.hardware.gpio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GpioUapi}'s sizes, offsets, flags and ioctl numbers against the kernel's own header: a C program built
 * with gcc against /usr/include/linux/gpio.h (package linux-libc-dev; .ci/run installs it with gcc) prints them.
 * Skipped only where gcc or the header is missing.
 */
class GpioUapiLayoutTest {
    private static final Path HEADER = Path.of("/usr/include/linux/gpio.h");

    @TempDir
    Path temp;

    @Test
    void theConstantsMatchTheKernelHeader() throws Exception {
        assumeTrue(Files.isRegularFile(HEADER), "no " + HEADER + " (apt-get install linux-libc-dev)");
        assumeTrue(onPath("gcc"), "no gcc (apt-get install gcc)");
        Map<String, Long> java = new LinkedHashMap<>();
        Map<String, String> c = new LinkedHashMap<>();
        expect(java, c, "GPIO_MAX_NAME_SIZE", GpioUapi.GPIO_MAX_NAME_SIZE, "GPIO_MAX_NAME_SIZE");
        expect(java, c, "GPIO_V2_LINES_MAX", GpioUapi.GPIO_V2_LINES_MAX, "GPIO_V2_LINES_MAX");
        expect(java, c, "ATTRS_MAX", GpioUapi.GPIO_V2_LINE_NUM_ATTRS_MAX, "GPIO_V2_LINE_NUM_ATTRS_MAX");
        expect(java, c, "FLAG_INPUT", GpioUapi.GPIO_V2_LINE_FLAG_INPUT, "GPIO_V2_LINE_FLAG_INPUT");
        expect(java, c, "FLAG_OUTPUT", GpioUapi.GPIO_V2_LINE_FLAG_OUTPUT, "GPIO_V2_LINE_FLAG_OUTPUT");
        expect(java, c, "FLAG_EDGE_RISING", GpioUapi.GPIO_V2_LINE_FLAG_EDGE_RISING, "GPIO_V2_LINE_FLAG_EDGE_RISING");
        expect(java, c, "FLAG_EDGE_FALLING", GpioUapi.GPIO_V2_LINE_FLAG_EDGE_FALLING, "GPIO_V2_LINE_FLAG_EDGE_FALLING");
        expect(java, c, "FLAG_PULL_UP", GpioUapi.GPIO_V2_LINE_FLAG_BIAS_PULL_UP, "GPIO_V2_LINE_FLAG_BIAS_PULL_UP");
        expect(
                java,
                c,
                "FLAG_BIAS_DISABLED",
                GpioUapi.GPIO_V2_LINE_FLAG_BIAS_DISABLED,
                "GPIO_V2_LINE_FLAG_BIAS_DISABLED");
        expect(
                java,
                c,
                "ATTR_OUTPUT_VALUES",
                GpioUapi.GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
                "GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES");
        expect(java, c, "ATTR_DEBOUNCE", GpioUapi.GPIO_V2_LINE_ATTR_ID_DEBOUNCE, "GPIO_V2_LINE_ATTR_ID_DEBOUNCE");
        expect(java, c, "EVENT_RISING", GpioUapi.GPIO_V2_LINE_EVENT_RISING_EDGE, "GPIO_V2_LINE_EVENT_RISING_EDGE");
        expect(java, c, "EVENT_FALLING", GpioUapi.GPIO_V2_LINE_EVENT_FALLING_EDGE, "GPIO_V2_LINE_EVENT_FALLING_EDGE");

        expect(java, c, "CHIPINFO_SIZE", GpioUapi.CHIPINFO_SIZE, "sizeof(struct gpiochip_info)");
        expect(java, c, "CHIPINFO_LINES", GpioUapi.CHIPINFO_LINES, "offsetof(struct gpiochip_info, lines)");
        expect(java, c, "VALUES_SIZE", GpioUapi.VALUES_SIZE, "sizeof(struct gpio_v2_line_values)");
        expect(java, c, "VALUES_BITS", GpioUapi.VALUES_BITS, "offsetof(struct gpio_v2_line_values, bits)");
        expect(java, c, "VALUES_MASK", GpioUapi.VALUES_MASK, "offsetof(struct gpio_v2_line_values, mask)");
        expect(java, c, "ATTR_SIZE", GpioUapi.ATTR_SIZE, "sizeof(struct gpio_v2_line_attribute)");
        expect(java, c, "ATTR_ID", GpioUapi.ATTR_ID, "offsetof(struct gpio_v2_line_attribute, id)");
        expect(java, c, "ATTR_VALUE_FLAGS", GpioUapi.ATTR_VALUE, "offsetof(struct gpio_v2_line_attribute, flags)");
        expect(java, c, "ATTR_VALUE_VALUES", GpioUapi.ATTR_VALUE, "offsetof(struct gpio_v2_line_attribute, values)");
        expect(
                java,
                c,
                "ATTR_VALUE_DEBOUNCE",
                GpioUapi.ATTR_VALUE,
                "offsetof(struct gpio_v2_line_attribute, debounce_period_us)");
        expect(java, c, "CONFIG_ATTR_SIZE", GpioUapi.CONFIG_ATTR_SIZE, "sizeof(struct gpio_v2_line_config_attribute)");
        expect(
                java,
                c,
                "CONFIG_ATTR_MASK",
                GpioUapi.CONFIG_ATTR_MASK,
                "offsetof(struct gpio_v2_line_config_attribute, mask)");
        expect(java, c, "CONFIG_SIZE", GpioUapi.CONFIG_SIZE, "sizeof(struct gpio_v2_line_config)");
        expect(java, c, "CONFIG_FLAGS", GpioUapi.CONFIG_FLAGS, "offsetof(struct gpio_v2_line_config, flags)");
        expect(
                java,
                c,
                "CONFIG_NUM_ATTRS",
                GpioUapi.CONFIG_NUM_ATTRS,
                "offsetof(struct gpio_v2_line_config, num_attrs)");
        expect(java, c, "CONFIG_ATTRS", GpioUapi.CONFIG_ATTRS, "offsetof(struct gpio_v2_line_config, attrs)");
        expect(java, c, "REQUEST_SIZE", GpioUapi.REQUEST_SIZE, "sizeof(struct gpio_v2_line_request)");
        expect(java, c, "REQUEST_OFFSETS", GpioUapi.REQUEST_OFFSETS, "offsetof(struct gpio_v2_line_request, offsets)");
        expect(
                java,
                c,
                "REQUEST_CONSUMER",
                GpioUapi.REQUEST_CONSUMER,
                "offsetof(struct gpio_v2_line_request, consumer)");
        expect(java, c, "REQUEST_CONFIG", GpioUapi.REQUEST_CONFIG, "offsetof(struct gpio_v2_line_request, config)");
        expect(
                java,
                c,
                "REQUEST_NUM_LINES",
                GpioUapi.REQUEST_NUM_LINES,
                "offsetof(struct gpio_v2_line_request, num_lines)");
        expect(
                java,
                c,
                "REQUEST_EVENT_BUFFER_SIZE",
                GpioUapi.REQUEST_EVENT_BUFFER_SIZE,
                "offsetof(struct gpio_v2_line_request, event_buffer_size)");
        expect(java, c, "REQUEST_FD", GpioUapi.REQUEST_FD, "offsetof(struct gpio_v2_line_request, fd)");
        expect(java, c, "EVENT_SIZE", GpioUapi.EVENT_SIZE, "sizeof(struct gpio_v2_line_event)");
        expect(
                java,
                c,
                "EVENT_TIMESTAMP_NS",
                GpioUapi.EVENT_TIMESTAMP_NS,
                "offsetof(struct gpio_v2_line_event, timestamp_ns)");
        expect(java, c, "EVENT_ID", GpioUapi.EVENT_ID, "offsetof(struct gpio_v2_line_event, id)");
        expect(java, c, "EVENT_OFFSET", GpioUapi.EVENT_OFFSET, "offsetof(struct gpio_v2_line_event, offset)");
        expect(java, c, "GET_CHIPINFO", GpioUapi.GPIO_GET_CHIPINFO_IOCTL, "GPIO_GET_CHIPINFO_IOCTL");
        expect(java, c, "GET_LINE", GpioUapi.GPIO_V2_GET_LINE_IOCTL, "GPIO_V2_GET_LINE_IOCTL");
        expect(java, c, "GET_VALUES", GpioUapi.GPIO_V2_LINE_GET_VALUES_IOCTL, "GPIO_V2_LINE_GET_VALUES_IOCTL");
        expect(java, c, "SET_VALUES", GpioUapi.GPIO_V2_LINE_SET_VALUES_IOCTL, "GPIO_V2_LINE_SET_VALUES_IOCTL");

        StringBuilder program = new StringBuilder(
                "#include <stddef.h>\n#include <stdio.h>\n#include <linux/gpio.h>\nint main(void) {\n");
        c.forEach((name, expr) -> program.append("    printf(\"%s %llu\\n\", \"")
                .append(name)
                .append("\", (unsigned long long) (")
                .append(expr)
                .append("));\n"));
        program.append("    return 0;\n}\n");
        Path source = temp.resolve("layout.c");
        Path binary = temp.resolve("layout");
        Files.writeString(source, program);
        run("gcc", "-Wall", "-Werror", "-o", binary.toString(), source.toString());

        Map<String, Long> kernel = new LinkedHashMap<>();
        for (String line : run(binary.toString()).strip().split("\n")) {
            String[] parts = line.split(" ");
            kernel.put(parts[0], Long.parseUnsignedLong(parts[1]));
        }
        assertThat(java).isEqualTo(kernel);
    }

    private static void expect(Map<String, Long> java, Map<String, String> c, String name, long value, String expr) {
        java.put(name, value);
        c.put(name, expr);
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as(String.join(" ", command))
                .isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }
}

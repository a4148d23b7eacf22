package dev.doorward.device.hardware.gpio;

/**
 * The Linux GPIO character device's uAPI v2 (kernel 5.10 and later): the struct sizes, field offsets, flags and
 * ioctl numbers of {@code include/uapi/linux/gpio.h} that {@code CdevGpioChip} uses, written out because Java
 * cannot include a C header. {@code GpioUapiLayoutTest} compiles a C program against the installed header and
 * compares every value here with it. Plain constants (no FFM), so the Java 21 tests can read them.
 */
public final class GpioUapi {
    private GpioUapi() {}

    public static final int GPIO_MAX_NAME_SIZE = 32;
    public static final int GPIO_V2_LINES_MAX = 64;
    public static final int GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

    // enum gpio_v2_line_flag
    public static final long GPIO_V2_LINE_FLAG_INPUT = 1L << 2;
    public static final long GPIO_V2_LINE_FLAG_OUTPUT = 1L << 3;
    public static final long GPIO_V2_LINE_FLAG_EDGE_RISING = 1L << 4;
    public static final long GPIO_V2_LINE_FLAG_EDGE_FALLING = 1L << 5;
    public static final long GPIO_V2_LINE_FLAG_BIAS_PULL_UP = 1L << 8;
    public static final long GPIO_V2_LINE_FLAG_BIAS_DISABLED = 1L << 10;

    // enum gpio_v2_line_attr_id
    public static final int GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES = 2;
    public static final int GPIO_V2_LINE_ATTR_ID_DEBOUNCE = 3;

    // enum gpio_v2_line_event_id
    public static final int GPIO_V2_LINE_EVENT_RISING_EDGE = 1;
    public static final int GPIO_V2_LINE_EVENT_FALLING_EDGE = 2;

    // struct gpiochip_info { char name[32]; char label[32]; __u32 lines; }
    public static final int CHIPINFO_SIZE = 68;
    public static final int CHIPINFO_LINES = 64;

    // struct gpio_v2_line_values { __aligned_u64 bits; __aligned_u64 mask; }
    public static final int VALUES_SIZE = 16;
    public static final int VALUES_BITS = 0;
    public static final int VALUES_MASK = 8;

    // struct gpio_v2_line_attribute { __u32 id; __u32 padding; union { flags; values; __u32 debounce_period_us; } }
    public static final int ATTR_SIZE = 16;
    public static final int ATTR_ID = 0;
    public static final int ATTR_VALUE = 8;

    // struct gpio_v2_line_config_attribute { struct gpio_v2_line_attribute attr; __aligned_u64 mask; }
    public static final int CONFIG_ATTR_SIZE = 24;
    public static final int CONFIG_ATTR_MASK = 16;

    // struct gpio_v2_line_config { __aligned_u64 flags; __u32 num_attrs; __u32 padding[5]; attrs[10]; }
    public static final int CONFIG_SIZE = 272;
    public static final int CONFIG_FLAGS = 0;
    public static final int CONFIG_NUM_ATTRS = 8;
    public static final int CONFIG_ATTRS = 32;

    // struct gpio_v2_line_request { __u32 offsets[64]; char consumer[32]; struct gpio_v2_line_config config;
    //     __u32 num_lines; __u32 event_buffer_size; __u32 padding[5]; __s32 fd; }
    public static final int REQUEST_SIZE = 592;
    public static final int REQUEST_OFFSETS = 0;
    public static final int REQUEST_CONSUMER = 256;
    public static final int REQUEST_CONFIG = 288;
    public static final int REQUEST_NUM_LINES = 560;
    public static final int REQUEST_EVENT_BUFFER_SIZE = 564;
    public static final int REQUEST_FD = 588;

    // struct gpio_v2_line_event { __aligned_u64 timestamp_ns; __u32 id; __u32 offset; __u32 seqno;
    //     __u32 line_seqno; __u32 padding[6]; }
    public static final int EVENT_SIZE = 48;
    public static final int EVENT_TIMESTAMP_NS = 0;
    public static final int EVENT_ID = 8;
    public static final int EVENT_OFFSET = 12;

    // _IOR(0xB4, 0x01, struct gpiochip_info) and _IOWR(0xB4, nr, struct ...): dir << 30 | size << 16 | 0xB4 << 8 | nr
    public static final long GPIO_GET_CHIPINFO_IOCTL = ioc(2, 0x01, CHIPINFO_SIZE);
    public static final long GPIO_V2_GET_LINE_IOCTL = ioc(3, 0x07, REQUEST_SIZE);
    public static final long GPIO_V2_LINE_GET_VALUES_IOCTL = ioc(3, 0x0E, VALUES_SIZE);
    public static final long GPIO_V2_LINE_SET_VALUES_IOCTL = ioc(3, 0x0F, VALUES_SIZE);

    private static long ioc(int dir, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | (0xB4L << 8) | nr;
    }
}

package dev.doorward.device.motion;

import java.awt.Rectangle;

/**
 * A rectangle in normalised picture coordinates: (0, 0) is the top left corner, (1, 1) the bottom right, so a
 * region means the same part of the scene whatever the camera's resolution. Used both for the zones a user
 * masks and for where motion was seen.
 */
public record Region(double x, double y, double width, double height) {
    public Region {
        if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(width) || !Double.isFinite(height)) {
            throw new IllegalArgumentException("a region needs finite coordinates");
        }
        if (x < 0 || y < 0 || x > 1 || y > 1) {
            throw new IllegalArgumentException("a region must start inside the picture (0..1)");
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("a region must have a positive width and height");
        }
        if (x + width > 1 + 1e-9 || y + height > 1 + 1e-9) {
            throw new IllegalArgumentException("a region must end inside the picture (0..1)");
        }
    }

    /** The whole picture. */
    public static Region whole() {
        return new Region(0, 0, 1, 1);
    }

    /** A rectangle in pixels of a {@code width} x {@code height} picture, clipped to the picture. */
    public static Region ofPixels(Rectangle pixels, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("picture size must be positive");
        }
        Rectangle clipped = pixels.intersection(new Rectangle(0, 0, width, height));
        if (clipped.isEmpty()) {
            throw new IllegalArgumentException("the rectangle lies outside the picture");
        }
        return new Region(
                (double) clipped.x / width,
                (double) clipped.y / height,
                (double) clipped.width / width,
                (double) clipped.height / height);
    }

    /** Whether this region and the given one share some area (touching edges do not count). */
    public boolean overlaps(double otherX, double otherY, double otherWidth, double otherHeight) {
        double eps = 1e-9;
        return otherX < x + width - eps
                && x < otherX + otherWidth - eps
                && otherY < y + height - eps
                && y < otherY + otherHeight - eps;
    }

    /** Whether {@code other} lies entirely inside this region. */
    public boolean contains(Region other) {
        double eps = 1e-9;
        return other.x >= x - eps
                && other.y >= y - eps
                && other.x + other.width <= x + width + eps
                && other.y + other.height <= y + height + eps;
    }
}

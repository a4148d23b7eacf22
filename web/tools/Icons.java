import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws the web app's icons (the doorbell of favicon.svg) into web/src/main/resources/static/icons.
 * Rerun after changing a colour or shape, from the repository root: {@code java web/tools/Icons.java}.
 *
 * <ul>
 *   <li>icon-192/512: the doorbell on a transparent background (manifest purpose "any");
 *   <li>icon-maskable-192/512: full-bleed accent background, the doorbell inside the central 80 % circle that
 *       every launcher mask keeps (purpose "maskable");
 *   <li>apple-touch-icon: 180 px, full bleed (iOS rounds the corners itself);
 *   <li>badge-96: a white silhouette on transparent, for the notification badge (Android shows only alpha).
 * </ul>
 */
public class Icons {
    // The colours of style.css (--accent) and favicon.svg.
    static final Color ACCENT = new Color(0x1f4e79);
    static final Color BUTTON = new Color(0xf5b700);

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "web/src/main/resources/static/icons");
        Files.createDirectories(out);
        for (int size : new int[] {192, 512}) {
            write(doorbell(size, false, 0.92), out.resolve("icon-" + size + ".png"));
            write(doorbell(size, true, 0.56), out.resolve("icon-maskable-" + size + ".png"));
        }
        write(doorbell(180, true, 0.62), out.resolve("apple-touch-icon.png"));
        write(badge(96), out.resolve("badge-96.png"));
    }

    /** The doorbell, {@code height} of the icon tall; on the accent colour when full bleed, else on nothing. */
    static BufferedImage doorbell(int size, boolean fullBleed, double height) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = smooth(image);
        if (fullBleed) {
            g.setColor(ACCENT);
            g.fillRect(0, 0, size, size);
        }
        Shapes s = new Shapes(size, height);
        g.setColor(fullBleed ? Color.WHITE : ACCENT);
        g.fill(s.body);
        g.setColor(fullBleed ? ACCENT : Color.WHITE);
        g.fill(s.camera);
        g.setColor(BUTTON);
        g.fill(s.button);
        g.dispose();
        return image;
    }

    static BufferedImage badge(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = smooth(image);
        Shapes s = new Shapes(size, 0.9);
        Area silhouette = new Area(s.body);
        silhouette.subtract(new Area(s.camera));
        silhouette.subtract(new Area(s.button));
        g.setColor(Color.WHITE);
        g.fill(silhouette);
        g.dispose();
        return image;
    }

    /** favicon.svg's geometry (a 20x28 body with a camera and a button in a 32x32 box), scaled and centred. */
    static final class Shapes {
        final RoundRectangle2D body;
        final Ellipse2D camera;
        final Ellipse2D button;

        Shapes(int size, double height) {
            double unit = size * height / 28;
            double x0 = (size - 20 * unit) / 2;
            double y0 = (size - 28 * unit) / 2;
            body = new RoundRectangle2D.Double(x0, y0, 20 * unit, 28 * unit, 12 * unit, 12 * unit);
            camera = circle(x0 + 10 * unit, y0 + 9 * unit, 4 * unit);
            button = circle(x0 + 10 * unit, y0 + 20 * unit, 3 * unit);
        }

        static Ellipse2D circle(double cx, double cy, double r) {
            return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
        }
    }

    static Graphics2D smooth(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        return g;
    }

    static void write(BufferedImage image, Path file) throws IOException {
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}

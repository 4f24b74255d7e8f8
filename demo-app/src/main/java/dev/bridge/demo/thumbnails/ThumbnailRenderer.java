package dev.bridge.demo.thumbnails;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.springframework.stereotype.Service;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * Renders a thumbnail for an id: draws a large anti-aliased picture derived from the id,
 * scales it down with bicubic interpolation and encodes it as PNG. Pure CPU work, tens of
 * milliseconds per image, which is why it runs on its own small pool, {@code images}: a flood
 * of thumbnails queues there instead of taking the threads that other routes need.
 */
@Service
public class ThumbnailRenderer {

	/**
	 * Name of the Bridge pool thumbnails render on.
	 */
	public static final String POOL = "images";

	/**
	 * Smallest thumbnail edge, in pixels.
	 */
	public static final int MIN_SIZE = 16;

	/**
	 * Largest thumbnail edge, in pixels.
	 */
	public static final int MAX_SIZE = 512;

	private static final int SOURCE_SIZE = 1024;

	private static final int SHAPES = 48;

	public ThumbnailRenderer() {
		// ImageIO buffers encoded streams in temporary files unless told otherwise: disk I/O
		// inside CPU work, for no benefit with in-memory output.
		ImageIO.setUseCache(false);
	}

	/**
	 * Renders a thumbnail on the {@value #POOL} pool.
	 * @param id what the picture is derived from
	 * @param size edge in pixels, {@value #MIN_SIZE} to {@value #MAX_SIZE}
	 * @return the thumbnail
	 */
	@Blocking(pool = POOL)
	public Mono<Thumbnail> render(String id, int size) {
		return Mono.just(renderNow(id, size));
	}

	/**
	 * Renders a thumbnail on the calling thread.
	 * @param id what the picture is derived from
	 * @param size edge in pixels, {@value #MIN_SIZE} to {@value #MAX_SIZE}
	 * @return the thumbnail
	 */
	public Thumbnail renderNow(String id, int size) {
		if (size < MIN_SIZE || size > MAX_SIZE) {
			throw new IllegalArgumentException(
					"size must be between " + MIN_SIZE + " and " + MAX_SIZE + " pixels, was " + size);
		}
		BufferedImage thumbnail = scale(draw(id), size);
		return new Thumbnail(encode(thumbnail), size, Thread.currentThread().getName());
	}

	private static BufferedImage draw(String id) {
		SplittableRandom random = new SplittableRandom(id.hashCode());
		BufferedImage image = new BufferedImage(SOURCE_SIZE, SOURCE_SIZE, BufferedImage.TYPE_INT_ARGB);
		Graphics2D graphics = image.createGraphics();
		try {
			graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
			graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
			graphics.setPaint(new GradientPaint(0, 0, color(random, 255), SOURCE_SIZE, SOURCE_SIZE,
					color(random, 255)));
			graphics.fillRect(0, 0, SOURCE_SIZE, SOURCE_SIZE);
			for (int i = 0; i < SHAPES; i++) {
				double diameter = SOURCE_SIZE * (0.1 + random.nextDouble() * 0.5);
				graphics.setColor(color(random, 96 + random.nextInt(96)));
				graphics.fill(new Ellipse2D.Double(random.nextDouble() * SOURCE_SIZE - diameter / 2,
						random.nextDouble() * SOURCE_SIZE - diameter / 2, diameter, diameter));
			}
		}
		finally {
			graphics.dispose();
		}
		return image;
	}

	private static Color color(SplittableRandom random, int alpha) {
		return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), alpha);
	}

	private static BufferedImage scale(BufferedImage source, int size) {
		BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
		Graphics2D graphics = scaled.createGraphics();
		try {
			graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
			graphics.drawImage(source, 0, 0, size, size, null);
		}
		finally {
			graphics.dispose();
		}
		return scaled;
	}

	private static byte[] encode(BufferedImage image) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try {
			if (!ImageIO.write(image, "png", out)) {
				throw new IllegalStateException("No ImageIO writer for PNG in this JVM");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return out.toByteArray();
	}

}

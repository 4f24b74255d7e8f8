package dev.bridge.demo.thumbnails;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ThumbnailRenderer} outside Spring.
 */
class ThumbnailRendererTests {

	private final ThumbnailRenderer renderer = new ThumbnailRenderer();

	@Test
	void rendersAPngOfTheRequestedSize() throws IOException {
		Thumbnail thumbnail = this.renderer.renderNow("42", 48);
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(thumbnail.png()));
		assertThat(image.getWidth()).isEqualTo(48);
		assertThat(image.getHeight()).isEqualTo(48);
		assertThat(thumbnail.renderedOn()).isEqualTo(Thread.currentThread().getName());
	}

	@Test
	void sameIdGivesTheSamePictureAndAnotherIdAnotherOne() {
		byte[] first = this.renderer.renderNow("7", 32).png();
		assertThat(this.renderer.renderNow("7", 32).png()).isEqualTo(first);
		assertThat(this.renderer.renderNow("8", 32).png()).isNotEqualTo(first);
	}

	@Test
	void refusesSizesOutOfRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.renderer.renderNow("1", 513))
			.withMessage("size must be between 16 and 512 pixels, was 513");
		assertThatIllegalArgumentException().isThrownBy(() -> this.renderer.renderNow("1", 15))
			.withMessage("size must be between 16 and 512 pixels, was 15");
	}

}

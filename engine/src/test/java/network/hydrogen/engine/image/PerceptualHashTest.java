package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PerceptualHashTest {
  private static BufferedImage blocks(long seed, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(seed);
    int cell = size / 8;
    for (int by = 0; by < 8; by++) {
      for (int bx = 0; bx < 8; bx++) {
        int rgb = r.nextInt(1 << 24);
        for (int y = by * cell; y < (by + 1) * cell; y++) {
          for (int x = bx * cell; x < (bx + 1) * cell; x++) {
            img.setRGB(x, y, rgb);
          }
        }
      }
    }
    return img;
  }

  /** The values of tools/relay/phash_reference.py (numpy block means, scipy DCT, median). */
  @Test
  void matchesTheNumpyReference() {
    BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 256; y++) {
      for (int x = 0; x < 256; x++) {
        int v = (x * 7 + y * 13 + (x * y) % 31) % 256;
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    long h = PerceptualHash.of(img);
    assertThat(h).isEqualTo(Long.parseUnsignedLong("d27d4301f9aae1c3", 16));
    // imagehash.phash (PIL Lanczos resize) of the same image: a few bits apart.
    assertThat(PerceptualHash.distance(h, Long.parseUnsignedLong("d37d43017da871c3", 16)))
        .isEqualTo(6);
  }

  @Test
  void isDeterministicAndStableUnderScalingAndNoise() {
    BufferedImage a = blocks(7, 256);
    long h = PerceptualHash.of(a);
    assertThat(PerceptualHash.of(blocks(7, 256))).isEqualTo(h);
    assertThat(PerceptualHash.distance(PerceptualHash.of(blocks(7, 512)), h))
        .isLessThanOrEqualTo(2);
    BufferedImage noisy = blocks(7, 256);
    Random r = new Random(1);
    for (int i = 0; i < 2000; i++) {
      int x = r.nextInt(256);
      int y = r.nextInt(256);
      noisy.setRGB(x, y, noisy.getRGB(x, y) ^ 0x030303);
    }
    assertThat(PerceptualHash.distance(PerceptualHash.of(noisy), h)).isLessThanOrEqualTo(4);
  }

  @Test
  void differentImagesAreFarApart() {
    long a = PerceptualHash.of(blocks(1, 256));
    long b = PerceptualHash.of(blocks(2, 256));
    assertThat(PerceptualHash.distance(a, b)).isGreaterThan(16);
    assertThat(Long.bitCount(a)).isBetween(24, 40);
  }
}

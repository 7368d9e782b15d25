package network.hydrogen.engine.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.NodeList;

/**
 * Converts decoded images to RGB pictures and writes them as PNG with the generation parameters in
 * a {@code tEXt} chunk named {@code parameters}, the convention image tools (A1111, ComfyUI
 * viewers, exiftool) read.
 */
public final class PngImages {

  /** The PNG text keyword that carries the generation parameters. */
  public static final String PARAMETERS_KEYWORD = "parameters";

  private static final String PNG_FORMAT = "javax_imageio_png_1.0";

  private PngImages() {}

  /**
   * Image {@code index} of an NCHW batch of RGB values in [0, 1] as an 8-bit picture, rounding as
   * the reference implementation does ({@code round(x * 255)}, clamped).
   */
  public static BufferedImage toImage(float[] nchw, int index, int height, int width) {
    byte[] rgb = toRgb(nchw, index, height, width);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] pixels = new int[height * width];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | rgb[3 * i + 2] & 0xff;
    }
    image.setRGB(0, 0, width, height, pixels, 0, width);
    return image;
  }

  /**
   * Image {@code index} of an NCHW batch of RGB values in [0, 1] as interleaved 8-bit RGB, rows top
   * to bottom, rounded as {@link #toImage} rounds.
   */
  public static byte[] toRgb(float[] nchw, int index, int height, int width) {
    int plane = height * width;
    int base = index * 3 * plane;
    if (nchw.length < base + 3 * plane) {
      throw new IllegalArgumentException(
          "batch holds "
              + nchw.length
              + " values, too few for image "
              + index
              + " of "
              + width
              + "x"
              + height);
    }
    byte[] rgb = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        rgb[3 * i + c] = (byte) toByte(nchw[base + c * plane + i]);
      }
    }
    return rgb;
  }

  private static int toByte(float value) {
    return (int) Math.max(0, Math.min(255, Math.round(value * 255.0)));
  }

  /** Writes {@code image} as PNG with {@code parameters} in a text chunk. */
  public static void write(BufferedImage image, String parameters, OutputStream out)
      throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      IIOMetadata metadata =
          writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
      IIOMetadataNode root = new IIOMetadataNode(PNG_FORMAT);
      root.appendChild(textChunk(parameters));
      try {
        metadata.mergeTree(PNG_FORMAT, root);
      } catch (IIOInvalidTreeException e) {
        throw new IOException("cannot attach the PNG parameters chunk", e);
      }
      writer.write(new IIOImage(image, null, metadata));
    } finally {
      writer.dispose();
    }
  }

  /** A Latin-1 {@code tEXt} chunk when the text allows it, else a UTF-8 {@code iTXt} chunk. */
  private static IIOMetadataNode textChunk(String parameters) {
    boolean latin1 = StandardCharsets.ISO_8859_1.newEncoder().canEncode(parameters);
    IIOMetadataNode entry = new IIOMetadataNode(latin1 ? "tEXtEntry" : "iTXtEntry");
    entry.setAttribute("keyword", PARAMETERS_KEYWORD);
    if (latin1) {
      entry.setAttribute("value", parameters);
    } else {
      entry.setAttribute("compressionFlag", "FALSE");
      entry.setAttribute("compressionMethod", "0");
      entry.setAttribute("languageTag", "");
      entry.setAttribute("translatedKeyword", "");
      entry.setAttribute("text", parameters);
    }
    IIOMetadataNode chunk = new IIOMetadataNode(latin1 ? "tEXt" : "iTXt");
    chunk.appendChild(entry);
    return chunk;
  }

  /** The {@code parameters} text of a PNG, if it has one. */
  public static Optional<String> readParameters(InputStream in) throws IOException {
    try (var stream = ImageIO.createImageInputStream(in)) {
      var reader = ImageIO.getImageReadersByFormatName("png").next();
      try {
        reader.setInput(stream);
        IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree(PNG_FORMAT);
        for (String tag : new String[] {"tEXtEntry", "iTXtEntry"}) {
          NodeList entries = root.getElementsByTagName(tag);
          for (int i = 0; i < entries.getLength(); i++) {
            IIOMetadataNode entry = (IIOMetadataNode) entries.item(i);
            if (PARAMETERS_KEYWORD.equals(entry.getAttribute("keyword"))) {
              return Optional.of(entry.getAttribute(tag.equals("tEXtEntry") ? "value" : "text"));
            }
          }
        }
        return Optional.empty();
      } finally {
        reader.dispose();
      }
    }
  }
}

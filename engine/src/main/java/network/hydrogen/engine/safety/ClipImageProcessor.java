package network.hydrogen.engine.safety;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.PillowResize;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * transformers' {@code CLIPImageProcessor} (its Pillow backend, the classic one) as a safety
 * checker's {@code preprocessor_config.json} sets it up: resize so the shortest edge is {@code
 * size} (Pillow, bicubic by default), center crop, rescale by 1/255 and normalize per channel; the
 * arithmetic in the same precision as NumPy does it, so the pixels match bit for bit.
 */
public record ClipImageProcessor(
    int shortestEdge,
    int cropWidth,
    int cropHeight,
    PillowResize.Filter resample,
    double rescaleFactor,
    float[] mean,
    float[] std) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PIL_LANCZOS = 1;
  private static final int PIL_BICUBIC = 3;

  /**
   * Reads a {@code preprocessor_config.json}.
   *
   * @throws ModelFormatException naming the file and the field it cannot use
   */
  public static ClipImageProcessor read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(
          file, "the safety checker's image processor config is missing");
    }
    JsonNode root = JSON.readTree(file.toFile());
    for (String step : new String[] {"do_resize", "do_center_crop", "do_rescale", "do_normalize"}) {
      if (!root.path(step).asBoolean(true)) {
        throw new ModelFormatException(file, step + " false is not supported");
      }
    }
    JsonNode size = root.path("size");
    int shortest = size.isInt() ? size.asInt() : size.path("shortest_edge").asInt(224);
    JsonNode crop = root.path("crop_size");
    int cropWidth = crop.isInt() ? crop.asInt() : crop.path("width").asInt(224);
    int cropHeight = crop.isInt() ? crop.asInt() : crop.path("height").asInt(224);
    PillowResize.Filter filter =
        switch (root.path("resample").asInt(PIL_BICUBIC)) {
          case PIL_BICUBIC -> PillowResize.Filter.BICUBIC;
          case PIL_LANCZOS -> PillowResize.Filter.LANCZOS;
          default ->
              throw new ModelFormatException(
                  file, "resample " + root.get("resample") + " is not supported (3: bicubic)");
        };
    return new ClipImageProcessor(
        shortest,
        cropWidth,
        cropHeight,
        filter,
        root.path("rescale_factor").asDouble(1 / 255.0),
        triple(file, root, "image_mean", new float[] {0.48145466f, 0.4578275f, 0.40821073f}),
        triple(file, root, "image_std", new float[] {0.26862954f, 0.26130258f, 0.27577711f}));
  }

  private static float[] triple(Path file, JsonNode root, String field, float[] fallback) {
    JsonNode node = root.get(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isArray() || node.size() != 3) {
      throw new ModelFormatException(file, field + " must list three numbers");
    }
    return new float[] {
      (float) node.get(0).asDouble(), (float) node.get(1).asDouble(), (float) node.get(2).asDouble()
    };
  }

  /** The 8-bit crop the network sees: {@code rgb} resized and center-cropped. */
  public byte[] crop(byte[] rgb, int width, int height) {
    int shortSide = Math.min(width, height);
    int longSide = (int) ((long) shortestEdge * Math.max(width, height) / shortSide);
    int newWidth = width <= height ? shortestEdge : longSide;
    int newHeight = width <= height ? longSide : shortestEdge;
    byte[] resized = PillowResize.resize(rgb, width, height, newWidth, newHeight, resample);
    int top = Math.floorDiv(newHeight - cropHeight, 2);
    int left = Math.floorDiv(newWidth - cropWidth, 2);
    byte[] out = new byte[3 * cropWidth * cropHeight];
    for (int y = 0; y < cropHeight; y++) {
      for (int x = 0; x < cropWidth; x++) {
        int sy = y + top;
        int sx = x + left;
        if (sy >= 0 && sy < newHeight && sx >= 0 && sx < newWidth) {
          System.arraycopy(resized, 3 * (sy * newWidth + sx), out, 3 * (y * cropWidth + x), 3);
        }
      }
    }
    return out;
  }

  /** A batch of 8-bit RGB images (each {@code width x height}) as the network's NCHW input. */
  public FloatTensor pixels(byte[][] images, int width, int height) {
    int plane = cropWidth * cropHeight;
    float[] values = new float[images.length * 3 * plane];
    for (int n = 0; n < images.length; n++) {
      byte[] crop = crop(images[n], width, height);
      for (int i = 0; i < plane; i++) {
        for (int c = 0; c < 3; c++) {
          float scaled = (float) ((crop[3 * i + c] & 0xff) * rescaleFactor);
          values[(n * 3 + c) * plane + i] = (scaled - mean[c]) / std[c];
        }
      }
    }
    return new FloatTensor(new long[] {images.length, 3, cropHeight, cropWidth}, values);
  }
}

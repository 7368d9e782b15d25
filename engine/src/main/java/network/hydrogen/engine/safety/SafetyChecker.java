package network.hydrogen.engine.safety;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.ImageEncoder;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.PngImages;
import network.hydrogen.engine.model.ClipVisionConfig;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.WeightSource;
import network.hydrogen.engine.pipeline.GeneratedImages;

/**
 * diffusers' {@code StableDiffusionSafetyChecker}: each image's CLIP embedding is compared (cosine)
 * with the checker's "special care" and concept embeddings; an image whose score {@code
 * round(cosine - threshold + adjustment, 3)} is above 0 for any concept is flagged and blacked out.
 * The adjustment becomes 0.01 for the rest of an image's concepts once a special-care concept
 * matched, as the reference does. Loaded from the checker folder of {@code
 * CompVis/stable-diffusion-safety-checker} or of a Stable Diffusion repo's {@code safety_checker}.
 */
public final class SafetyChecker implements AutoCloseable {

  /** The vision tower's name prefix in the published files, and in transformers 5's own saves. */
  private static final List<String> TOWERS = List.of("vision_model.vision_model.", "vision_model.");

  private static final float ROUNDING = 1000f;
  private static final float SPECIAL_CARE_ADJUSTMENT = 0.01f;

  /**
   * What the checker found.
   *
   * @param images the images, flagged ones black
   * @param flagged per image, whether it was flagged
   */
  public record Verdict(GeneratedImages images, List<Boolean> flagged) {

    public Verdict {
      flagged = List.copyOf(flagged);
    }

    /** Whether any image was flagged. */
    public boolean anyFlagged() {
      return flagged.contains(true);
    }
  }

  private final ClipImageProcessor processor;
  private final ImageEncoder encoder;
  private final Concepts special;
  private final Concepts concepts;

  private SafetyChecker(
      ClipImageProcessor processor, ImageEncoder encoder, Concepts special, Concepts concepts) {
    this.processor = processor;
    this.encoder = encoder;
    this.special = special;
    this.concepts = concepts;
  }

  /**
   * Opens the checker in {@code folder} ({@code config.json}, {@code model.safetensors} or its
   * {@code variant}) with the image processor config {@code preprocessorConfig}.
   *
   * @throws ModelFormatException naming the file that is missing or malformed
   */
  public static SafetyChecker open(
      Path folder, String variant, Path preprocessorConfig, InferenceOptions options)
      throws IOException {
    ClipVisionConfig config = ClipVisionConfig.read(folder.resolve("config.json"));
    ClipImageProcessor processor = ClipImageProcessor.read(preprocessorConfig);
    Path weightsFile = folder.resolve("model.safetensors");
    if (variant != null
        && Files.isRegularFile(folder.resolve("model." + variant + ".safetensors"))) {
      weightsFile = folder.resolve("model." + variant + ".safetensors");
    }
    if (!Files.isRegularFile(weightsFile)) {
      throw new ModelFormatException(
          weightsFile, "the safety checker's weights are missing (only .safetensors is read)");
    }
    WeightSource weights = WeightSource.of(List.of(SafeTensorsFile.open(weightsFile)));
    String tower =
        TOWERS.stream()
            .filter(t -> weights.names().contains(t + "embeddings.class_embedding"))
            .findFirst()
            .orElse(TOWERS.getFirst());
    Concepts special = Concepts.read(weights, "special_care_embeds", config.projectionDim());
    Concepts concepts = Concepts.read(weights, "concept_embeds", config.projectionDim());
    return new SafetyChecker(
        processor, ImageEncoder.create(config, tower, weights, options), special, concepts);
  }

  /** Checks every image of {@code images}; flagged ones come back black. */
  public Verdict check(GeneratedImages images) {
    int count = images.count();
    byte[][] rgb = new byte[count][];
    for (int i = 0; i < count; i++) {
      rgb[i] = PngImages.toRgb(images.images(), i, images.height(), images.width());
    }
    FloatTensor embeds = embed(rgb, images.width(), images.height());
    int width = (int) embeds.dim(1);
    float[] checked = images.images().clone();
    int imageSize = 3 * images.width() * images.height();
    List<Boolean> flagged = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] embedding = new float[width];
      System.arraycopy(embeds.values(), i * width, embedding, 0, width);
      boolean bad = flagged(unit(embedding));
      flagged.add(bad);
      if (bad) {
        Arrays.fill(checked, i * imageSize, (i + 1) * imageSize, 0f);
      }
    }
    GeneratedImages result =
        new GeneratedImages(
            images.latents(),
            checked,
            count,
            images.width(),
            images.height(),
            images.parameters(),
            images.timings());
    return new Verdict(result, flagged);
  }

  /** The cosines of one image's unit embedding with the special-care and the concept embeddings. */
  public record Cosines(float[] special, float[] concepts) {}

  /** The cosines the decision rests on, for image embeddings {@code embedding}. */
  public Cosines cosines(float[] embedding) {
    float[] unit = unit(embedding);
    return new Cosines(special.cosines(unit), concepts.cosines(unit));
  }

  /** The image embeddings of 8-bit RGB images of {@code width x height}. */
  public FloatTensor embed(byte[][] rgb, int width, int height) {
    return encoder.embed(processor.pixels(rgb, width, height));
  }

  private boolean flagged(float[] unit) {
    float adjustment = 0f;
    float[] specialCosines = special.cosines(unit);
    for (int c = 0; c < specialCosines.length; c++) {
      if (above(specialCosines[c] - special.thresholds[c] + adjustment)) {
        adjustment = SPECIAL_CARE_ADJUSTMENT;
      }
    }
    float[] conceptCosines = concepts.cosines(unit);
    for (int c = 0; c < conceptCosines.length; c++) {
      if (above(conceptCosines[c] - concepts.thresholds[c] + adjustment)) {
        return true;
      }
    }
    return false;
  }

  /** {@code round(score, 3) > 0} as NumPy computes it for a float32 score. */
  private static boolean above(float score) {
    return Math.rint(score * ROUNDING) > 0;
  }

  private static float[] unit(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    float scale = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * scale;
    }
    return out;
  }

  @Override
  public void close() {
    encoder.close();
  }

  /** Unit concept embeddings with their thresholds ({@code NAME} and {@code NAME_weights}). */
  private record Concepts(float[][] units, float[] thresholds) {

    static Concepts read(WeightSource weights, String name, int width) throws IOException {
      long[] shape = weights.shape(name);
      if (shape.length != 2 || shape[1] != width) {
        throw new ModelFormatException(
            weights.describe()
                + ": tensor "
                + name
                + " must be [concepts, "
                + width
                + "], is "
                + Arrays.toString(shape));
      }
      int count = (int) shape[0];
      long[] thresholdShape = weights.shape(name + "_weights");
      if (thresholdShape.length != 1 || thresholdShape[0] != count) {
        throw new ModelFormatException(
            weights.describe() + ": tensor " + name + "_weights must hold " + count + " values");
      }
      FloatBuffer embeds = weights.tensor(name).toFloat32();
      FloatBuffer limits = weights.tensor(name + "_weights").toFloat32();
      float[][] units = new float[count][];
      float[] thresholds = new float[count];
      for (int c = 0; c < count; c++) {
        float[] row = new float[width];
        embeds.get(c * width, row);
        units[c] = unit(row);
        thresholds[c] = limits.get(c);
      }
      return new Concepts(units, thresholds);
    }

    float[] cosines(float[] unit) {
      float[] out = new float[units.length];
      for (int c = 0; c < units.length; c++) {
        double dot = 0;
        for (int i = 0; i < unit.length; i++) {
          dot += (double) unit[i] * units[c][i];
        }
        out[c] = (float) dot;
      }
      return out;
    }
  }
}

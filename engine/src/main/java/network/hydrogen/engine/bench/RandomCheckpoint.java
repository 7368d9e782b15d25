package network.hydrogen.engine.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFamily;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.VaeConfig;

/**
 * Writes a full-size Stable Diffusion model with random weights as a diffusers folder: the real
 * configs, tokenizer and every parameter of the real architecture, so that benchmarks measure the
 * real networks without downloading weights (speed does not depend on weight values). Weights are
 * drawn uniformly within PyTorch's default initialisation bound, {@code 1/sqrt(fan_in)}; norm
 * scales are 1 and biases 0, so activations stay in a realistic range.
 */
public final class RandomCheckpoint {

  /** The architectures that can be written. */
  public enum Arch {
    SD15("sd15", ModelFamily.SD1),
    SD21("sd21", ModelFamily.SD2),
    SDXL("sdxl", ModelFamily.SDXL),
    /**
     * SD 1.5's architecture with tiny widths (32-64 channels, two text encoder layers) and the real
     * tokenizer: a demo model of a few megabytes that runs in a second anywhere.
     */
    TINY("tiny", ModelFamily.SD1);

    private final String resources;
    private final ModelFamily family;

    Arch(String resources, ModelFamily family) {
      this.resources = resources;
      this.family = family;
    }

    /** The architecture named {@code sd15}, {@code sd21}, {@code sdxl} or {@code tiny}. */
    public static Arch of(String name) {
      for (Arch arch : values()) {
        if (arch.resources.equals(name.toLowerCase(Locale.ROOT))) {
          return arch;
        }
      }
      throw new IllegalArgumentException(
          "unknown architecture " + name + "; expected sd15, sd21, sdxl or tiny");
    }
  }

  private static final String STANDARD = "/network/hydrogen/engine/model/standard/";
  private static final List<String> CONFIGS =
      List.of(
          "model_index.json",
          "scheduler/scheduler_config.json",
          "text_encoder/config.json",
          "tokenizer/tokenizer_config.json",
          "unet/config.json",
          "vae/config.json");
  private static final List<String> SDXL_CONFIGS =
      List.of("text_encoder_2/config.json", "tokenizer_2/tokenizer_config.json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK_FLOATS = 1 << 20;

  private RandomCheckpoint() {}

  /** Writes the model into {@code out} (created when missing) and returns its parameter count. */
  public static long write(Arch arch, Path out, long seed) throws IOException {
    boolean sdxl = arch.family == ModelFamily.SDXL;
    List<String> configs =
        sdxl ? Stream.concat(CONFIGS.stream(), SDXL_CONFIGS.stream()).toList() : CONFIGS;
    for (String config : configs) {
      Path target = out.resolve(config);
      Files.createDirectories(target.getParent());
      try (InputStream in =
          RandomCheckpoint.class.getResourceAsStream(STANDARD + arch.resources + "/" + config)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    // every family's tokenizers share the CLIP BPE files
    Path tokenizer = ModelFiles.standardTokenizer(arch.family);
    for (String folder : sdxl ? List.of("tokenizer", "tokenizer_2") : List.of("tokenizer")) {
      for (String file : List.of("vocab.json", "merges.txt")) {
        Files.copy(
            tokenizer.resolve(file),
            out.resolve(folder + "/" + file),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
    long parameters = 0;
    parameters +=
        writeWeights(
            ParameterLayout.textEncoderShapes(
                ClipTextConfig.parse(
                    json(out, "text_encoder/config.json"), "text_encoder/config.json")),
            out.resolve("text_encoder/model.safetensors"),
            seed);
    if (sdxl) {
      parameters +=
          writeWeights(
              ParameterLayout.textEncoderShapes(
                  ClipTextConfig.parse(
                      json(out, "text_encoder_2/config.json"), "text_encoder_2/config.json")),
              out.resolve("text_encoder_2/model.safetensors"),
              seed + 3);
    }
    parameters +=
        writeWeights(
            ParameterLayout.unetShapes(
                UNetConfig.parse(json(out, "unet/config.json"), "unet/config.json")),
            out.resolve("unet/diffusion_pytorch_model.safetensors"),
            seed + 1);
    parameters +=
        writeWeights(
            ParameterLayout.vaeShapes(
                VaeConfig.parse(json(out, "vae/config.json"), "vae/config.json")),
            out.resolve("vae/diffusion_pytorch_model.safetensors"),
            seed + 2);
    return parameters;
  }

  private static JsonNode json(Path out, String relative) throws IOException {
    return JSON.readTree(out.resolve(relative).toFile());
  }

  private static long writeWeights(Map<String, long[]> shapes, Path file, long seed)
      throws IOException {
    SafeTensorsWriter writer = new SafeTensorsWriter();
    long parameters = 0;
    for (Map.Entry<String, long[]> parameter : shapes.entrySet()) {
      String name = parameter.getKey();
      long[] shape = parameter.getValue();
      long count = 1;
      for (long dimension : shape) {
        count *= dimension;
      }
      parameters += count;
      long elements = count;
      boolean ones = isNormScale(name);
      float bound = bound(name, shape);
      long tensorSeed = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
      writer.add(
          name,
          DType.F32,
          shape,
          channel -> {
            ByteBuffer chunk =
                ByteBuffer.allocateDirect(CHUNK_FLOATS * Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            long state = tensorSeed | 1;
            for (long done = 0; done < elements; ) {
              int n = (int) Math.min(CHUNK_FLOATS, elements - done);
              chunk.clear();
              for (int i = 0; i < n; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                float unit = (state >>> 40) * 0x1.0p-24f;
                chunk.putFloat(ones ? 1f : bound * (2 * unit - 1));
              }
              chunk.flip();
              while (chunk.hasRemaining()) {
                channel.write(chunk);
              }
              done += n;
            }
          });
    }
    writer.write(file);
    return parameters;
  }

  /** The half-width of the uniform draw: 0 for biases and norm shifts (zeros). */
  private static float bound(String name, long[] shape) {
    if (shape.length == 1) {
      return 0;
    }
    if (name.contains("embedding")) {
      return 0.02f;
    }
    long fanIn = 1;
    for (int i = 1; i < shape.length; i++) {
      fanIn *= shape[i];
    }
    return (float) (1 / Math.sqrt(fanIn));
  }

  private static boolean isNormScale(String name) {
    return name.endsWith(".weight")
        && (name.contains("norm") || name.contains("layer_norm") || name.contains("ln_"));
  }
}

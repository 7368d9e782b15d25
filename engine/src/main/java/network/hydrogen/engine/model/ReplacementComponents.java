package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Swaps a model's VAE or UNet for a replacement, as diffusers does with {@code from_pretrained(...,
 * vae=AutoencoderKL.from_pretrained(...))}: the replacement's own config comes with it (so a
 * replacement VAE's {@code scaling_factor} is the one the pipeline scales latents by). A
 * replacement VAE is a diffusers {@code AutoencoderKL} folder or a single {@code .safetensors} file
 * with original LDM keys ({@code encoder.*}, {@code decoder.*}, optionally under {@code
 * first_stage_model.}) or diffusers keys, which takes the base model's VAE config; a replacement
 * UNet is a diffusers {@code UNet2DConditionModel} folder. The replacement must fit the base
 * model's family, else loading fails naming the file and the mismatch.
 */
public final class ReplacementComponents {

  private static final String DECODER_CONV_IN = "decoder.conv_in.weight";

  private ReplacementComponents() {}

  /**
   * The model {@code base} with the VAE at {@code path} (a folder, of whose weights {@code variant}
   * such as {@code fp16} is preferred, or a single file).
   *
   * @throws ModelFormatException naming the file when it is no VAE, its weights do not match its
   *     config, or its latent channels differ from the base model's
   */
  public static StableDiffusionModel withVae(StableDiffusionModel base, Path path, String variant)
      throws IOException {
    int latentChannels = base.vae().config().latentChannels();
    StableDiffusionModel.Component<VaeConfig> vae;
    if (Files.isDirectory(path)) {
      Path configFile = componentConfig(path, "AutoencoderKL", "VAE");
      VaeConfig config = VaeConfig.parse(ConfigJson.read(configFile), configFile.toString());
      requireLatentChannels(configFile, config.latentChannels(), latentChannels);
      WeightSource weights = ModelFiles.folderWeights(path, variant);
      ParameterLayout.check("VAE", ParameterLayout.vaeShapes(config), weights);
      vae = new StableDiffusionModel.Component<>(config, weights);
    } else {
      vae = singleFileVae(base.vae().config(), path);
    }
    return base.withVae(vae);
  }

  /**
   * The model {@code base} with the UNet folder at {@code path}, preferring the weights {@code
   * variant}.
   *
   * @throws ModelFormatException naming the file when it is no diffusers UNet, its weights do not
   *     match its config, or its inputs (latent channels, cross-attention width, SDXL's added
   *     conditioning) differ from the base model's UNet
   */
  public static StableDiffusionModel withUnet(StableDiffusionModel base, Path path, String variant)
      throws IOException {
    if (!Files.isDirectory(path)) {
      throw new ModelFormatException(
          path,
          "is not a folder: a replacement UNet must be a diffusers UNet2DConditionModel folder"
              + " (config.json and diffusion_pytorch_model.safetensors)");
    }
    Path configFile = componentConfig(path, "UNet2DConditionModel", "UNet");
    UNetConfig config = UNetConfig.parse(ConfigJson.read(configFile), configFile.toString());
    requireFits(configFile, config, base.unet().config());
    WeightSource weights = ModelFiles.folderWeights(path, variant);
    ParameterLayout.check("UNet", ParameterLayout.unetShapes(config), weights);
    return base.withUnet(new StableDiffusionModel.Component<>(config, weights));
  }

  private static Path componentConfig(Path folder, String className, String what) {
    Path configFile = folder.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(
          folder,
          "has no config.json (a replacement " + what + " is a diffusers " + className + ")");
    }
    JsonNode json = ConfigJson.read(configFile);
    String type = json.path("_class_name").asText(className);
    if (!type.equals(className)) {
      throw new ModelFormatException(
          configFile, "describes a " + type + ", not a " + className + " (" + what + ")");
    }
    return configFile;
  }

  /** A VAE file: LDM keys, bare or under {@code first_stage_model.}, or diffusers keys. */
  private static StableDiffusionModel.Component<VaeConfig> singleFileVae(
      VaeConfig baseConfig, Path path) throws IOException {
    SafeTensorsFile file = ModelFiles.openCheckpoint(path);
    String prefix =
        file.contains(ModelFamily.VAE_PREFIX + DECODER_CONV_IN) ? ModelFamily.VAE_PREFIX : "";
    if (!file.contains(prefix + DECODER_CONV_IN)) {
      throw new ModelFormatException(
          path,
          "is no VAE: it has no tensor " + DECODER_CONV_IN + " (nor under first_stage_model.)");
    }
    long[] convIn = file.shape(prefix + DECODER_CONV_IN);
    if (convIn.length != 4) {
      throw new ModelFormatException(
          path, "has a " + DECODER_CONV_IN + " of rank " + convIn.length + ", not 4");
    }
    requireLatentChannels(path, convIn[1], baseConfig.latentChannels());
    boolean diffusersKeys =
        file.names().stream().anyMatch(n -> n.startsWith(prefix + "decoder.up_blocks."));
    WeightSource weights;
    if (diffusersKeys && prefix.isEmpty()) {
      weights = WeightSource.of(List.of(file));
      ParameterLayout.check("VAE", ParameterLayout.vaeShapes(baseConfig), weights);
    } else {
      weights = CheckpointWeights.resolve(file, prefix, "VAE", ParameterLayout.vae(baseConfig));
    }
    return new StableDiffusionModel.Component<>(baseConfig, weights);
  }

  private static void requireLatentChannels(Path source, long have, int want) {
    if (have != want) {
      throw new ModelFormatException(
          source,
          "is a VAE with "
              + have
              + " latent channels, but the base model's VAE has "
              + want
              + ": it belongs to another model family");
    }
  }

  private static void requireFits(Path source, UNetConfig replacement, UNetConfig base) {
    List<String> mismatches = new ArrayList<>();
    compare(mismatches, "in_channels", replacement.inChannels(), base.inChannels());
    compare(mismatches, "out_channels", replacement.outChannels(), base.outChannels());
    compare(
        mismatches,
        "cross_attention_dim",
        replacement.crossAttentionDim(),
        base.crossAttentionDim());
    compare(
        mismatches,
        "addition_embed_type",
        replacement.additionEmbedType(),
        base.additionEmbedType());
    compare(
        mismatches,
        "addition_time_embed_dim",
        replacement.additionTimeEmbedDim(),
        base.additionTimeEmbedDim());
    compare(
        mismatches,
        "projection_class_embeddings_input_dim",
        replacement.projectionClassEmbeddingsInputDim(),
        base.projectionClassEmbeddingsInputDim());
    if (!mismatches.isEmpty()) {
      throw new ModelFormatException(
          source,
          "describes a UNet that does not fit the base model (another model family): "
              + String.join("; ", mismatches));
    }
  }

  private static void compare(List<String> mismatches, String field, Object have, Object want) {
    if (!Objects.equals(have, want)) {
      mismatches.add(field + " is " + have + " but the base model's UNet has " + want);
    }
  }
}

package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * A Stable Diffusion model as loaded from a diffusers folder or a single-file checkpoint: each
 * network's config and its weights by diffusers names (checked against the config at load), the
 * scheduler config, the tokenizer folder (as {@code ClipTokenizer.load} reads it) and {@code
 * model_index.json}. SDXL models also have a second text encoder and tokenizer. Open one with
 * {@link ModelFiles}.
 *
 * @param textEncoder the (first) text encoder; null for the SDXL refiner, which has only the second
 * @param tokenizer the (first) tokenizer folder; null for the SDXL refiner
 * @param textEncoder2 SDXL's second text encoder ({@code text_encoder_2}, with projection), or null
 * @param tokenizer2 SDXL's second tokenizer folder ({@code tokenizer_2}), or null
 */
public record StableDiffusionModel(
    Path source,
    ModelFamily family,
    JsonNode modelIndex,
    Component<ClipTextConfig> textEncoder,
    Component<UNetConfig> unet,
    Component<VaeConfig> vae,
    JsonNode schedulerConfig,
    Path tokenizer,
    Component<ClipTextConfig> textEncoder2,
    Path tokenizer2) {

  public StableDiffusionModel {
    if ((textEncoder2 == null) != (tokenizer2 == null)) {
      throw new IllegalArgumentException(
          "a second text encoder needs a second tokenizer and vice versa");
    }
    if ((textEncoder == null) != (tokenizer == null)) {
      throw new IllegalArgumentException("a text encoder needs a tokenizer and vice versa");
    }
    if (textEncoder == null && textEncoder2 == null) {
      throw new IllegalArgumentException("a model needs a text encoder");
    }
  }

  /** An SD 1.x/2.x model: one text encoder and tokenizer. */
  public StableDiffusionModel(
      Path source,
      ModelFamily family,
      JsonNode modelIndex,
      Component<ClipTextConfig> textEncoder,
      Component<UNetConfig> unet,
      Component<VaeConfig> vae,
      JsonNode schedulerConfig,
      Path tokenizer) {
    this(
        source, family, modelIndex, textEncoder, unet, vae, schedulerConfig, tokenizer, null, null);
  }

  /** Whether this is an SDXL model: two text encoders, the UNet conditioned on pooled text. */
  public boolean isSdxl() {
    return textEncoder2 != null;
  }

  /**
   * Whether this is an SDXL refiner: only the second text encoder, the UNet conditioned on an
   * aesthetic score instead of the target size ({@code requires_aesthetics_score}).
   */
  public boolean isRefiner() {
    return textEncoder == null;
  }

  /**
   * {@code model_index.json}'s {@code requires_aesthetics_score} (SDXL refiner: true): the time ids
   * are [original height, original width, crop top, crop left, aesthetic score].
   */
  public boolean requiresAestheticsScore() {
    return modelIndex.path("requires_aesthetics_score").asBoolean(false);
  }

  /**
   * {@code model_index.json}'s {@code force_zeros_for_empty_prompt} (SDXL base: true): without a
   * negative prompt the unconditional embeddings are zeros rather than the encoded empty text.
   */
  public boolean forceZerosForEmptyPrompt() {
    return modelIndex.path("force_zeros_for_empty_prompt").asBoolean(false);
  }

  /** This model with another VAE (see {@link ReplacementComponents#withVae}). */
  public StableDiffusionModel withVae(Component<VaeConfig> replacement) {
    return new StableDiffusionModel(
        source,
        family,
        modelIndex,
        textEncoder,
        unet,
        replacement,
        schedulerConfig,
        tokenizer,
        textEncoder2,
        tokenizer2);
  }

  /** This model with another UNet (see {@link ReplacementComponents#withUnet}). */
  public StableDiffusionModel withUnet(Component<UNetConfig> replacement) {
    return new StableDiffusionModel(
        source,
        family,
        modelIndex,
        textEncoder,
        replacement,
        vae,
        schedulerConfig,
        tokenizer,
        textEncoder2,
        tokenizer2);
  }

  /** One network: its config and its weights, by diffusers parameter names. */
  public record Component<C>(C config, WeightSource weights) {}
}

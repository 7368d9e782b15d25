package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * A Stable Diffusion model as loaded from a diffusers folder or a single-file checkpoint: each
 * network's config and its weights by diffusers names (checked against the config at load), the
 * scheduler config, the tokenizer folder (as {@code ClipTokenizer.load} reads it) and {@code
 * model_index.json}. Open one with {@link ModelFiles}.
 */
public record StableDiffusionModel(
    Path source,
    ModelFamily family,
    JsonNode modelIndex,
    Component<ClipTextConfig> textEncoder,
    Component<UNetConfig> unet,
    Component<VaeConfig> vae,
    JsonNode schedulerConfig,
    Path tokenizer) {

  /** One network: its config and its weights, by diffusers parameter names. */
  public record Component<C>(C config, WeightSource weights) {}
}

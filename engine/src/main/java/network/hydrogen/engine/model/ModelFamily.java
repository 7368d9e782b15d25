package network.hydrogen.engine.model;

import java.util.Set;

/**
 * The Stable Diffusion generation a single-file checkpoint belongs to, recognised from its key
 * names as diffusers does, and the name of its embedded standard configs.
 */
public enum ModelFamily {
  /** SD 1.x: CLIP ViT-L text encoder under {@code cond_stage_model.transformer.}. */
  SD1("sd15"),
  /** SD 2.x: OpenCLIP ViT-H text encoder under {@code cond_stage_model.model.}. */
  SD2("sd21"),
  /** SDXL base or refiner: text encoders under {@code conditioner.embedders.}. */
  SDXL("sdxl");

  static final String UNET_PREFIX = "model.diffusion_model.";
  static final String VAE_PREFIX = "first_stage_model.";
  static final String CLIP_PREFIX = "cond_stage_model.transformer.";
  static final String OPEN_CLIP_PREFIX = "cond_stage_model.model.";
  static final String SDXL_CLIP_PREFIX = "conditioner.embedders.0.transformer.";
  static final String SDXL_OPEN_CLIP_PREFIX = "conditioner.embedders.1.model.";
  static final String SDXL_REFINER_OPEN_CLIP_PREFIX = "conditioner.embedders.0.model.";

  private final String standardConfigs;

  ModelFamily(String standardConfigs) {
    this.standardConfigs = standardConfigs;
  }

  /** The resource folder of the embedded standard configs (SD 1.5, SD 2.1 768, SDXL base 1.0). */
  String standardConfigs() {
    return standardConfigs;
  }

  /**
   * Recognises the family of a checkpoint from its tensor names.
   *
   * @throws ModelFormatException naming the file when it is no Stable Diffusion 1.x/2.x/XL
   *     checkpoint
   */
  static ModelFamily detect(SafeTensorsFile file) {
    Set<String> names = file.names();
    if (names.stream().anyMatch(n -> n.startsWith("conditioner.embedders."))) {
      return SDXL;
    }
    boolean unet = names.stream().anyMatch(n -> n.startsWith(UNET_PREFIX));
    boolean vae = names.stream().anyMatch(n -> n.startsWith(VAE_PREFIX));
    boolean openClip = names.contains(OPEN_CLIP_PREFIX + "token_embedding.weight");
    boolean clip = names.contains(CLIP_PREFIX + "text_model.embeddings.position_embedding.weight");
    if (unet && vae && openClip) {
      return SD2;
    }
    if (unet && vae && clip) {
      return SD1;
    }
    if (names.stream().anyMatch(n -> n.startsWith("down_blocks.") || n.startsWith("encoder."))) {
      throw new ModelFormatException(
          file.path(),
          "holds a single diffusers component (keys like down_blocks.*), not a whole"
              + " Stable Diffusion checkpoint; load the diffusers folder it belongs to");
    }
    throw new ModelFormatException(
        file.path(),
        "is not a Stable Diffusion 1.x/2.x/XL checkpoint: it lacks "
            + (unet ? "" : UNET_PREFIX + "* (UNet) ")
            + (vae ? "" : VAE_PREFIX + "* (VAE) ")
            + (clip || openClip ? "" : "cond_stage_model.* (text encoder)"));
  }
}

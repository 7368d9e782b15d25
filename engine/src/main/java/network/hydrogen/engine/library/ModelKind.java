package network.hydrogen.engine.library;

import java.util.List;

/**
 * What a model a task names is for. It says which files of a Hugging Face repo a task needs (a
 * whole pipeline, one component, or one adapter file) and names the model in messages.
 */
public enum ModelKind {
  /** A base or refiner model: a diffusers pipeline repo or a single-file checkpoint. */
  MODEL("model", List.of()),
  /** A replacement VAE: a diffusers component repo or a single file. */
  VAE("VAE", List.of()),
  /** A replacement UNet: a diffusers component repo or a single file. */
  UNET("UNet", List.of()),
  /** A ControlNet: a diffusers ControlNetModel repo. */
  CONTROLNET("ControlNet", List.of()),
  /** A LoRA: one weights file, diffusers' own name preferred in a repo. */
  LORA("LoRA", List.of("pytorch_lora_weights.safetensors")),
  /** A textual inversion embedding: one weights file. */
  EMBEDDING("textual inversion", List.of("learned_embeds.safetensors")),
  /**
   * A safety checker: a transformers repo with {@code config.json}, its weights and {@code
   * preprocessor_config.json}.
   */
  SAFETY_CHECKER("safety checker", List.of());

  private final String label;
  private final List<String> preferredFiles;

  ModelKind(String label, List<String> preferredFiles) {
    this.label = label;
    this.preferredFiles = preferredFiles;
  }

  /** The kind in words, for messages (e.g. "LoRA"). */
  public String label() {
    return label;
  }

  /** The file names taken first in a repo holding several weights files (adapters only). */
  public List<String> preferredFiles() {
    return preferredFiles;
  }

  /** Whether the model is one weights file applied on top of a base model (LoRA, embedding). */
  public boolean isAdapter() {
    return this == LORA || this == EMBEDDING;
  }
}

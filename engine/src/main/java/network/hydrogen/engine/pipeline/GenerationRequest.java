package network.hydrogen.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;
import network.hydrogen.task.TaskArgs;

/**
 * What to generate: the prompts, the picture size, the denoising settings and the seed. Image
 * {@code i} of the batch draws its noise from PyTorch's CPU generator seeded with {@code seed + i},
 * so any image can be reproduced alone.
 *
 * @param scheduler a diffusers scheduler class name, e.g. {@code DPMSolverMultistepScheduler}
 * @param schedulerArgs overrides of the model's scheduler config (the task's {@code
 *     scheduler.args}); an empty object for none
 * @param negativePrompt the negative prompt; empty for none, which for SDXL base models ({@code
 *     force_zeros_for_empty_prompt}) means zero unconditional embeddings, as the reference pipeline
 *     computes without a negative prompt
 * @param cfg the classifier-free guidance scale; at most 1 runs no unconditional pass
 * @param sdxl the inputs only SDXL models take; null for {@link SdxlOptions#DEFAULTS}, ignored by
 *     other models
 */
public record GenerationRequest(
    String prompt,
    String negativePrompt,
    int width,
    int height,
    int steps,
    double cfg,
    long seed,
    int numImages,
    String scheduler,
    JsonNode schedulerArgs,
    SdxlOptions sdxl) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public GenerationRequest {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(negativePrompt, "negativePrompt");
    Objects.requireNonNull(scheduler, "scheduler");
    schedulerArgs = schedulerArgs == null ? JsonNodeFactory.instance.objectNode() : schedulerArgs;
    sdxl = sdxl == null ? SdxlOptions.DEFAULTS : sdxl;
    if (width <= 0 || height <= 0 || width % 8 != 0 || height % 8 != 0) {
      throw new IllegalArgumentException(
          "width and height must be positive multiples of 8, were " + width + "x" + height);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be at least 1, was " + steps);
    }
    if (numImages < 1) {
      throw new IllegalArgumentException("numImages must be at least 1, was " + numImages);
    }
  }

  /** A request with the SDXL inputs at their defaults. */
  public GenerationRequest(
      String prompt,
      String negativePrompt,
      int width,
      int height,
      int steps,
      double cfg,
      long seed,
      int numImages,
      String scheduler,
      JsonNode schedulerArgs) {
    this(
        prompt,
        negativePrompt,
        width,
        height,
        steps,
        cfg,
        seed,
        numImages,
        scheduler,
        schedulerArgs,
        SdxlOptions.DEFAULTS);
  }

  /**
   * The request a task asks for. Its {@code lora} and {@code textual_inversion} are load-time
   * {@link Adapters} ({@link Adapters#fromTask}), its {@code refiner} a {@link Refiner.Handover}
   * ({@link Refiner.Handover#fromTask}), its {@code controlnet} a load-time ControlNet ({@link
   * network.hydrogen.engine.library.ModelLibrary#openControlNet}) with a {@link
   * ControlNetInput#fromTask}, its {@code vae} and {@code unet} replacements of the model's ({@link
   * network.hydrogen.engine.library.ModelLibrary#openBase}); none of them is part of the request.
   */
  public static GenerationRequest fromTask(TaskArgs task) {
    TaskArgs.TaskConfig config = task.taskConfig();
    return new GenerationRequest(
        task.prompt(),
        task.negativePrompt(),
        config.imageWidth(),
        config.imageHeight(),
        config.steps(),
        config.cfg(),
        config.seed(),
        config.numImages(),
        task.scheduler().method().jsonName(),
        JSON.valueToTree(task.scheduler().args()));
  }

  /** Whether the unconditional (negative prompt) pass runs. */
  public boolean guided() {
    return cfg > 1;
  }
}

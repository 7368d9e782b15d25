package network.hydrogen.engine.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test of the engine: every case of the reference implementation's references (made
 * by diffusers; see src/test/resources/engine-reference/README.md) within tolerance, from both the
 * diffusers folder and the single-file checkpoint: sd15 (SD 1.x) and sd2-tiny (SD 2.x: gelu text
 * encoder, pad token {@code !}, per-block head counts, linear projections, upcast attention,
 * v-prediction, non-square sizes, batches of two, an fp16 OpenCLIP single file) and sdxl (a tiny
 * SDXL base: two text encoders, pooled and size conditioning, forced-zero negative embeddings, an
 * SGM single file with a transposed OpenCLIP text projection) and sdxl-refiner (the refiner's
 * encoder and aesthetic time ids, the VAE encoder, the ensemble of experts with sdxl, img2img), and
 * sdxl-refiner-lora (a base LoRA in the ensemble, a refiner LoRA in img2img).
 */
class ParityCheckTest {

  static final Path SD15 = Path.of("src/test/resources/engine-reference/sd15");
  static final Path SD2_TINY = Path.of("src/test/resources/engine-reference/sd2-tiny");
  static final Path SDXL = Path.of("src/test/resources/engine-reference/sdxl");
  static final Path SD15_LORA = Path.of("src/test/resources/engine-reference/sd15-lora");
  static final Path SDXL_LORA = Path.of("src/test/resources/engine-reference/sdxl-lora");
  static final Path SDXL_TI = Path.of("src/test/resources/engine-reference/sdxl-ti");
  static final Path SDXL_COMPEL = Path.of("src/test/resources/engine-reference/sdxl-compel");
  static final Path SDXL_CONTROLNET =
      Path.of("src/test/resources/engine-reference/sdxl-controlnet");
  static final Path SD15_TI = Path.of("src/test/resources/engine-reference/sd15-ti");
  static final Path SDXL_REFINER = Path.of("src/test/resources/engine-reference/sdxl-refiner");
  static final Path SDXL_REFINER_LORA =
      Path.of("src/test/resources/engine-reference/sdxl-refiner-lora");
  static final Path SD15_CONTROLNET =
      Path.of("src/test/resources/engine-reference/sd15-controlnet");
  static final Path SD15_COMPEL = Path.of("src/test/resources/engine-reference/sd15-compel");

  @Test
  void everySd15CasePassesInBothFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD15);

    assertThat(results.stream().map(CaseResult::name))
        .contains(
            "tokens.0",
            "tokens.long_untruncated",
            "text_embeddings.cond",
            "unet_call",
            "vae_decode",
            "txt2img.DPMSolverMultistepScheduler-karras.latents",
            "txt2img.EulerAncestralDiscreteScheduler.image",
            "txt2img.LCMScheduler.timesteps");
  }

  @Test
  void everySd2TinyCasePassesInBothFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD2_TINY);

    assertThat(results.stream().map(CaseResult::name))
        .contains(
            "tokens.2",
            "tokens.long_untruncated",
            "text_embeddings.uncond",
            "unet_call",
            "vae_decode",
            "txt2img.DPMSolverMultistepScheduler-karras.latents",
            "txt2img.EulerDiscreteScheduler-trailing.timesteps",
            "txt2img.EulerAncestralDiscreteScheduler.latents",
            "txt2img.DDIMScheduler.image");
  }

  @Test
  void everySdxlCasePassesInBothFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL);

    assertThat(results.stream().map(CaseResult::name))
        .contains(
            "tokens.0",
            "tokens_2.1",
            "tokens_2.long_untruncated",
            "text_embeddings.neg_none.negative_prompt_embeds",
            "text_embeddings.neg_empty.negative_pooled",
            "text_embeddings.prompt_2.prompt_embeds",
            "time_ids.custom.negative_add_time_ids",
            "unet_call",
            "vae_decode",
            "txt2img.Euler.latents",
            "txt2img.DPMSolverMultistep.timesteps",
            "txt2img.DDIM.time_ids",
            "txt2img.DDIM.image");
  }

  @Test
  void everySdxlRefinerCasePassesInBothFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_REFINER);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "tokens_2.0",
            "text_embeddings.neg_none.negative_prompt_embeds",
            "time_ids.custom.negative_add_time_ids",
            "unet_call",
            "vae_encode.mean",
            "vae_encode.std",
            "ensemble.base_time_ids",
            "ensemble.refiner_time_ids",
            "ensemble.handover_latents",
            "ensemble.latents",
            "ensemble.image",
            "img2img.time_ids",
            "img2img.image_latents",
            "img2img.noised_latents",
            "img2img.latents",
            "img2img.image");
  }

  @Test
  void everySdxlRefinerLoraCasePassesOnBothFormatsOfBothModels() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_REFINER_LORA);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "text_embeddings.refiner_neg_text.prompt_embeds",
            "text_embeddings.refiner_neg_text.negative_pooled",
            "lora.ensemble.base_time_ids",
            "lora.ensemble.refiner_time_ids",
            "lora.ensemble.handover_latents",
            "lora.ensemble.latents",
            "lora.ensemble.image",
            "lora.img2img.time_ids",
            "lora.img2img.latents",
            "lora.img2img.image");
  }

  @Test
  void everySd15LoraCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD15_LORA);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "text_embeddings.cond",
            "text_embeddings.uncond",
            "unet_call",
            "txt2img.0.DPMSolverMultistepScheduler.timesteps",
            "txt2img.0.DPMSolverMultistepScheduler.latents",
            "txt2img.0.DPMSolverMultistepScheduler.image",
            "unet_call_scale0");
  }

  @Test
  void everySdxlLoraCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_LORA);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "text_embeddings.neg_text.prompt_embeds",
            "text_embeddings.neg_text.negative_prompt_embeds",
            "text_embeddings.neg_text.pooled",
            "text_embeddings.neg_text.negative_pooled",
            "unet_call",
            "txt2img.Euler.timesteps",
            "txt2img.Euler.latents",
            "txt2img.Euler.image");
  }

  @Test
  void everySd15TextualInversionCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD15_TI);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "embeddings.fox-style.safetensors",
            "embeddings.fox-style.pt",
            "embeddings.learned_embeds.safetensors",
            "vocab",
            "tokens.prompt",
            "tokens.negative_prompt",
            "text_embeddings.cond",
            "text_embeddings.uncond",
            "txt2img.0.DPMSolverMultistepScheduler.latents",
            "txt2img.0.DPMSolverMultistepScheduler.image");
  }

  @Test
  void everySdxlTextualInversionCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_TI);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "embeddings.fox-style-xl.safetensors",
            "embeddings.fox-style-xl.safetensors.2",
            "vocab",
            "tokens.prompt",
            "tokens.negative_prompt",
            "vocab_2",
            "tokens.prompt_2",
            "tokens.negative_prompt_2",
            "text_embeddings.ti.prompt_embeds",
            "text_embeddings.ti.negative_prompt_embeds",
            "text_embeddings.ti.pooled",
            "text_embeddings.ti.negative_pooled",
            "txt2img.Euler.latents",
            "txt2img.Euler.image");
  }

  @Test
  void everySd15ControlNetCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD15_CONTROLNET);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "canny",
            "control_image",
            "text_embeddings.cond",
            "controlnet_call.down_0",
            "controlnet_call.down_5",
            "controlnet_call.mid",
            "unet_call",
            "txt2img.0.DPMSolverMultistepScheduler.latents",
            "txt2img.0.DPMSolverMultistepScheduler.image");
  }

  @Test
  void everySdxlControlNetCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_CONTROLNET);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "control_image",
            "controlnet_call.down_0",
            "controlnet_call.down_8",
            "controlnet_call.mid",
            "unet_call",
            "txt2img.Euler.timesteps",
            "txt2img.Euler.latents",
            "txt2img.Euler.image");
  }

  @Test
  void aControlNetReferenceWithoutItsControlNetIsMalformed(@TempDir Path dir) throws IOException {
    copy(SD15_CONTROLNET.resolve("golden"), dir.resolve("sd15-controlnet/golden"));
    copy(SD15.resolve("model"), dir.resolve("sd15/model"));
    Files.copy(SD15.resolve("model.safetensors"), dir.resolve("sd15/model.safetensors"));

    assertThatThrownBy(
            () ->
                ParityCheck.run(
                    dir.resolve("sd15-controlnet"), new InferenceOptions(1), result -> {}))
        .isInstanceOf(MalformedReferenceException.class)
        .hasMessageContaining("the ControlNet folder");
  }

  @Test
  void everySd15CompelCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SD15_COMPEL);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "compel.empty_z",
            "compel.0.token_ids",
            "compel.0.conditioning",
            "compel.3.conditioning",
            "compel.5.conditioning",
            "long_prompt.token_ids",
            "long_prompt.cond",
            "long_prompt.uncond",
            "long_prompt.cond_padded",
            "long_prompt.uncond_padded",
            "unet_call_long");
  }

  @Test
  void everySdxlCompelCasePassesOnBothBaseFormats() throws IOException {
    List<CaseResult> results = runAndRequireAllPassed(SDXL_COMPEL);

    assertThat(results.stream().map(CaseResult::name))
        .containsSubsequence(
            "compel.empty_z",
            "compel.0.conditioning",
            "compel.0.pooled",
            "compel.3.conditioning",
            "compel.4.conditioning",
            "compel.5.pooled",
            "long_prompt.cond",
            "long_prompt.pooled",
            "long_prompt.uncond",
            "long_prompt.negative_pooled",
            "long_prompt.cond_padded",
            "long_prompt.uncond_padded",
            "unet_call_long",
            "txt2img.Euler.latents",
            "txt2img.Euler.image");
  }

  @Test
  void anAdapterReferenceWithoutItsBaseModelIsMalformed(@TempDir Path dir) throws IOException {
    copy(SD15_LORA.resolve("golden"), dir.resolve("sd15-lora/golden"));

    assertThatThrownBy(
            () -> ParityCheck.run(dir.resolve("sd15-lora"), new InferenceOptions(1), result -> {}))
        .isInstanceOf(MalformedReferenceException.class)
        .hasMessageContaining("the base model sd15 has no");
  }

  private static List<CaseResult> runAndRequireAllPassed(Path reference) throws IOException {
    List<CaseResult> reported = new ArrayList<>();

    List<CaseResult> results = ParityCheck.run(reference, new InferenceOptions(1), reported::add);

    assertThat(reported).isEqualTo(results);
    assertThat(results)
        .allSatisfy(result -> assertThat(result.passed()).as(result.line()).isTrue());
    assertThat(results.stream().map(CaseResult::format).distinct())
        .containsExactly("diffusers", "single-file");
    return results;
  }

  @Test
  void aFolderOfReferencesListsEachReference() throws IOException {
    assertThat(ParityCheck.referenceFolders(SD15.getParent()))
        .contains(
            SD15,
            SD2_TINY,
            SDXL,
            SD15_LORA,
            SDXL_LORA,
            SD15_TI,
            SDXL_TI,
            SDXL_REFINER,
            SDXL_REFINER_LORA,
            SD15_CONTROLNET,
            SD15_COMPEL,
            SDXL_COMPEL,
            SDXL_CONTROLNET);
    assertThat(ParityCheck.referenceFolders(SD15)).containsExactly(SD15);
  }

  @Test
  void aFolderWithoutIndexIsMalformed(@TempDir Path dir) {
    assertThatThrownBy(() -> ParityCheck.referenceFolders(dir))
        .isInstanceOf(MalformedReferenceException.class)
        .hasMessageContaining("no golden/index.json");
  }

  @Test
  void aMissingCheckpointOrTensorFileIsNamed(@TempDir Path dir) throws IOException {
    copy(SD15.resolve("golden"), dir.resolve("golden"));
    Files.createDirectories(dir.resolve("model"));

    assertThatThrownBy(() -> ParityCheck.run(dir, new InferenceOptions(1), result -> {}))
        .isInstanceOf(MalformedReferenceException.class)
        .hasMessageContaining("model.safetensors is missing");
  }

  @Test
  void aTruncatedTensorFileIsMalformed(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("t.f32");
    Files.write(file, new byte[10]);
    ReferenceTensor tensor = new ReferenceTensor(file, new int[] {1, 4});

    assertThatThrownBy(tensor::read)
        .isInstanceOf(MalformedReferenceException.class)
        .hasMessageContaining("has 10 bytes, but shape [1, 4] needs 16");
  }

  @Test
  void toleranceScalesWithTheReferencePeakAndNanFails() {
    assertThat(CaseResult.scaledTolerance(1e-4, new float[] {0.5f, -20f}))
        .isEqualTo(2e-3, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(CaseResult.scaledTolerance(1e-4, new float[] {0.5f})).isEqualTo(1e-4);
    assertThat(CaseResult.maxAbsError(new float[] {1, Float.NaN}, new float[] {1, 2})).isInfinite();
    assertThat(CaseResult.maxAbsError(new float[] {1}, new float[] {1, 2})).isInfinite();
    assertThat(new CaseResult("diffusers", "x", 2e-4, 1e-4).line())
        .isEqualTo("FAIL diffusers x max_abs_err=2.000e-04 tolerance=1.000e-04");
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }
}

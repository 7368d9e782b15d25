package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.embedding.TextualInversion;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.MemoryMode;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;

/**
 * The SDXL refiner's pipeline pieces: the denoising cutoff, the handover settings and their task
 * mapping, img2img's strength, and runs of the tiny reference refiner (its results are checked
 * against the reference in ParityCheckTest).
 */
class RefinerTest {

  static final Path REFERENCES = Path.of("src/test/resources/engine-reference");

  private static GenerationRequest request(int steps) {
    return new GenerationRequest(
        "a red fox in the snow",
        "ugly, blurry",
        128,
        64,
        steps,
        5.0,
        3,
        1,
        "EulerDiscreteScheduler",
        null);
  }

  @Test
  void theRefinerTakesAnSdxlEmbeddingsSecondVectorsAsTheBaseModelsSecondEncoderDoes()
      throws IOException {
    TextualInversion embedding =
        TextualInversion.read(
            REFERENCES.resolve("sdxl-ti/embeddings/fox-style-xl.safetensors"), null);
    Adapters adapters = new Adapters(List.of(), List.of(embedding));
    try (TextToImage base =
            TextToImage.load(
                ModelFiles.open(REFERENCES.resolve("sdxl/model")),
                new InferenceOptions(1),
                adapters);
        TextToImage refiner =
            TextToImage.load(
                ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")),
                new InferenceOptions(1),
                adapters)) {
      SdxlConditioning.Embeddings fromBase =
          base.sdxl().orElseThrow().encode("a <fox-style-xl> in the snow", null);
      SdxlConditioning.Embeddings fromRefiner =
          refiner.sdxl().orElseThrow().encode("a <fox-style-xl> in the snow", null);

      assertThat(refiner.sdxl().orElseThrow().tokenizer2().vocabSize())
          .isEqualTo(base.sdxl().orElseThrow().tokenizer2().vocabSize());
      // the refiner's text_encoder_2 is a copy of the base's: the same pooled embedding
      assertThat(fromRefiner.pooled().values()).containsExactly(fromBase.pooled().values());
    }
  }

  @Test
  void theCutoffTimestepRoundsLikeTheReference() {
    assertThat(Refiner.cutoffTimestep(0.8, 1000)).isEqualTo(200);
    assertThat(Refiner.cutoffTimestep(0.75, 1000)).isEqualTo(250);
    assertThat(Refiner.cutoffTimestep(0.3333, 1000)).isEqualTo(667);
  }

  @Test
  void handoverComesFromTheTaskAndRefusesSplitsWithoutWorkForBoth() {
    Refiner.Handover handover =
        Refiner.Handover.fromTask(
            new TaskArgs.Refiner("stabilityai/refiner", Optional.empty(), 80, 12));

    assertThat(handover.split()).isEqualTo(0.8);
    assertThat(handover.refinerSteps()).isEqualTo(12);
    assertThat(handover.aesthetic()).isEqualTo(AestheticScore.DEFAULT);
    assertThatThrownBy(
            () ->
                Refiner.Handover.fromTask(
                    new TaskArgs.Refiner("stabilityai/refiner", Optional.empty(), 100, 12)))
        .isInstanceOf(UnsupportedTaskException.class)
        .hasMessageContaining("refiner.denoising_cutoff")
        .hasMessageContaining("was 100");
    assertThatThrownBy(() -> new Refiner.Handover(1.0, 5, null))
        .hasMessageContaining("strictly between 0 and 1, was 1.0");
    assertThatThrownBy(() -> new Refiner.Handover(0.5, 0, null))
        .hasMessageContaining("at least 1 step");
  }

  @Test
  void strengthPicksTheLastStepsAndRefusesRunsWithoutOne() {
    assertThat(ImageToImage.stepsAt(10, 0.3)).isEqualTo(3);
    assertThat(ImageToImage.stepsAt(10, 1.0)).isEqualTo(10);
    assertThat(ImageToImage.stepsAt(7, 0.5)).isEqualTo(3);
    assertThatThrownBy(() -> ImageToImage.stepsAt(10, 0.05))
        .hasMessageContaining("strength 0.05 of 10 steps leaves no step to run");
    assertThatThrownBy(() -> ImageToImage.stepsAt(10, 1.5))
        .hasMessageContaining("strength must lie in (0, 1], was 1.5");
  }

  @Test
  void aestheticTimeIdsReplaceTheTargetSize() {
    SdxlOptions options =
        new SdxlOptions(
            null,
            null,
            new SdxlOptions.SizeConditioning(new SdxlOptions.PixelSize(1024, 768), 8, 4, null),
            null);

    assertThat(new AestheticScore(7, 2).timeIds(options, 64, 128))
        .containsExactly(1024, 768, 8, 4, 7);
    assertThat(new AestheticScore(7, 2).negativeTimeIds(options, 64, 128))
        .containsExactly(1024, 768, 8, 4, 2);
    assertThat(AestheticScore.DEFAULT.timeIds(SdxlOptions.DEFAULTS, 64, 128))
        .containsExactly(64, 128, 0, 0, 6);
  }

  @Test
  void theRefinerAloneGeneratesWithAestheticTimeIdsAndEncodesNoNegativePromptAsEmptyText()
      throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    List<Integer> steps = new ArrayList<>();
    try (TextToImage refiner =
        TextToImage.load(
            ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")), new InferenceOptions(1))) {
      assertThat(refiner.tokenizer()).isNull();
      assertThat(refiner.textEncoder()).isNull();
      GenerationRequest request =
          new GenerationRequest(
              "a red fox", "", 128, 64, 2, 5.0, 3, 1, "EulerDiscreteScheduler", null);

      GeneratedImages images = refiner.generate(request, listener(tensors, steps));

      assertThat(images.count()).isEqualTo(1);
      assertThat(tensors.get("time_ids").values())
          .containsExactly(64, 128, 0, 0, 2.5f, 64, 128, 0, 0, 6);
      // force_zeros_for_empty_prompt is false: the negative is the encoded empty text
      assertThat(tensors.get("pooled_embeddings.uncond").values())
          .isEqualTo(refiner.sdxl().orElseThrow().encode("", null).pooled().values());
      assertThat(steps).containsExactly(1, 2);
    }
  }

  @Test
  void theEnsembleHandsTheBaseLatentsToTheRefinerAndCountsTheStepsOfBoth() throws IOException {
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    List<Integer> steps = new ArrayList<>();
    InferenceOptions options = new InferenceOptions(1);
    try (TextToImage base =
            TextToImage.load(ModelFiles.open(REFERENCES.resolve("sdxl/model")), options);
        TextToImage refiner =
            TextToImage.load(ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")), options)) {
      GenerationRequest request = request(10);

      GeneratedImages images =
          Refiner.ensemble(
              base,
              refiner,
              request,
              new Refiner.Handover(0.8, 10, null),
              BatchNoise.seeded(3, 1),
              listener(tensors, steps));

      assertThat(tensors.keySet())
          .containsSubsequence(
              "time_ids", "handover_latents", "refiner.time_ids", "final_latents", "image");
      assertThat(tensors.get("time_ids").dim(1)).isEqualTo(6);
      assertThat(tensors.get("refiner.time_ids").dim(1)).isEqualTo(5);
      // Euler leading, 10 steps: 901..201 are the base's, 101 and 1 the refiner's
      assertThat(steps).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
      assertThat(images.latents()).isNotEqualTo(tensors.get("handover_latents").values());
      assertThatThrownBy(
              () ->
                  Refiner.ensemble(
                      base,
                      base,
                      request,
                      new Refiner.Handover(0.8, 10, null),
                      BatchNoise.seeded(3, 1),
                      listener(tensors, steps)))
          .hasMessageContaining("is no SDXL refiner");
      assertThatThrownBy(
              () ->
                  Refiner.ensemble(
                      base,
                      refiner,
                      request(2),
                      new Refiner.Handover(0.2, 2, null),
                      BatchNoise.seeded(3, 1),
                      listener(tensors, steps)))
          .hasMessageContaining("leaves the base model no step (cutoff 800)");
    }
  }

  @Test
  void aControlNetConditionsTheBaseStepsOfTheEnsemble() throws IOException {
    InferenceOptions options = new InferenceOptions(1);
    ControlNetModel controlNetModel =
        ControlNetModel.open(REFERENCES.resolve("sdxl-controlnet/controlnet"));
    ControlImage image =
        ControlImage.decode(
            Files.readAllBytes(REFERENCES.resolve("sdxl-controlnet/golden/control.png")));
    GenerationRequest request = request(10);
    Refiner.Handover handover = new Refiner.Handover(0.8, 10, null);
    Map<String, FloatTensor> controlled = new LinkedHashMap<>();
    Map<String, FloatTensor> free = new LinkedHashMap<>();
    List<Integer> steps = new ArrayList<>();
    try (TextToImage base =
            TextToImage.load(
                ModelFiles.open(REFERENCES.resolve("sdxl/model")),
                options,
                Adapters.NONE,
                controlNetModel);
        TextToImage plainBase =
            TextToImage.load(ModelFiles.open(REFERENCES.resolve("sdxl/model")), options);
        TextToImage refiner =
            TextToImage.load(ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")), options)) {
      ControlNetInput control = new ControlNetInput(image, 1.0);
      Refiner.ensemble(
          base,
          refiner,
          request,
          handover,
          control,
          BatchNoise.seeded(3, 1),
          listener(controlled, steps));
      Refiner.ensemble(
          plainBase, refiner, request, handover, BatchNoise.seeded(3, 1), listener(free, steps));
      Map<String, FloatTensor> alone = new LinkedHashMap<>();
      base.generate(request, control, BatchNoise.seeded(3, 1), listener(alone, new ArrayList<>()));

      // the ensemble's base steps are the controlled pipeline's own
      assertThat(controlled.get("unet_out.step0").values())
          .isEqualTo(alone.get("unet_out.step0").values());
      assertThat(controlled.get("unet_out.step0").values())
          .isNotEqualTo(free.get("unet_out.step0").values());
      assertThat(controlled.get("handover_latents").values())
          .isNotEqualTo(free.get("handover_latents").values());
      assertThatThrownBy(
              () ->
                  Refiner.ensemble(
                      plainBase,
                      refiner,
                      request,
                      handover,
                      control,
                      BatchNoise.seeded(3, 1),
                      GenerationListener.none()))
          .hasMessageContaining("has no ControlNet");
    }
  }

  @Test
  void networksLoadedOneStageAtATimeGiveTheSameImagesAsResidentOnes() throws IOException {
    ControlNetModel controlNetModel =
        ControlNetModel.open(REFERENCES.resolve("sdxl-controlnet/controlnet"));
    ControlNetInput control =
        new ControlNetInput(
            ControlImage.decode(
                Files.readAllBytes(REFERENCES.resolve("sdxl-controlnet/golden/control.png"))),
            0.7);
    Map<MemoryMode, float[]> images = new LinkedHashMap<>();
    for (MemoryMode memory : new MemoryMode[] {MemoryMode.RESIDENT, MemoryMode.SEQUENTIAL}) {
      InferenceOptions options = new InferenceOptions(1).withMemory(memory);
      try (TextToImage base =
              TextToImage.load(
                  ModelFiles.open(REFERENCES.resolve("sdxl/model")),
                  options,
                  Adapters.NONE,
                  controlNetModel);
          TextToImage refiner =
              TextToImage.load(
                  ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")), options)) {
        // twice: the second run reopens what the first unloaded
        for (int run = 0; run < 2; run++) {
          images.put(
              memory,
              Refiner.ensemble(
                      base,
                      refiner,
                      request(6),
                      new Refiner.Handover(0.8, 6, null),
                      control,
                      BatchNoise.seeded(3, 1),
                      GenerationListener.none())
                  .images());
        }
      }
    }

    assertThat(images.get(MemoryMode.SEQUENTIAL)).containsExactly(images.get(MemoryMode.RESIDENT));
  }

  @Test
  void imageToImageRefusesAnImageOfAnotherSize() throws IOException {
    try (ImageToImage refiner =
        ImageToImage.load(
            ModelFiles.open(REFERENCES.resolve("sdxl-refiner/model")), new InferenceOptions(1))) {
      FloatTensor image = new FloatTensor(new long[] {1, 3, 64, 64}, new float[3 * 64 * 64]);

      assertThatThrownBy(
              () ->
                  refiner.generate(
                      request(10),
                      image,
                      0.3,
                      null,
                      BatchNoise.seeded(3, 1),
                      listener(new LinkedHashMap<>(), new ArrayList<>())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("the input image must be [1 or 1, 3, 64, 128], was [1, 3, 64, 64]");
    }
  }

  private static GenerationListener listener(
      Map<String, FloatTensor> tensors, List<Integer> steps) {
    return new GenerationListener() {
      @Override
      public void onStep(int completed, int total) {
        steps.add(completed);
      }

      @Override
      public void onTensor(String name, FloatTensor tensor) {
        tensors.put(name, tensor);
      }
    };
  }
}

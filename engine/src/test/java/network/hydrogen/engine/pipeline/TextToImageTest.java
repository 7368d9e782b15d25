package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.PngImages;
import network.hydrogen.engine.model.ModelFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The txt2img pipeline on the tiny SD 1.x reference model (random weights). */
class TextToImageTest {

  static final Path MODEL = Path.of("src/test/resources/engine-reference/sd15/model");

  static TextToImage pipeline;

  @BeforeAll
  static void load() throws IOException {
    pipeline = TextToImage.load(ModelFiles.open(MODEL), new InferenceOptions(1));
  }

  @AfterAll
  static void close() {
    pipeline.close();
  }

  static GenerationRequest request(String prompt, long seed, int images, double cfg) {
    return new GenerationRequest(
        prompt, "blurry", 64, 48, 4, cfg, seed, images, "EulerAncestralDiscreteScheduler", null);
  }

  static float[] generate(GenerationRequest request) {
    return pipeline.generate(request, GenerationListener.none()).images();
  }

  @Test
  void sameTaskAndSeedGiveBitIdenticalImages() {
    GenerationRequest request = request("a red fox in the snow", 7, 1, 7);

    assertThat(generate(request)).containsExactly(generate(request));
  }

  @Test
  void promptSeedAndGuidanceEachChangeTheImage() {
    float[] base = generate(request("a red fox in the snow", 7, 1, 7));

    assertThat(generate(request("a blue whale in the sea", 7, 1, 7))).isNotEqualTo(base);
    assertThat(generate(request("a red fox in the snow", 8, 1, 7))).isNotEqualTo(base);
    assertThat(generate(request("a red fox in the snow", 7, 1, 1))).isNotEqualTo(base);
  }

  @Test
  void imageIOfABatchIsTheImageOfSeedPlusI() {
    GeneratedImages batch =
        pipeline.generate(request("a castle", 100, 3, 5), GenerationListener.none());
    float[] alone = generate(request("a castle", 102, 1, 5));

    int perImage = 3 * 48 * 64;
    float[] third = Arrays.copyOfRange(batch.images(), 2 * perImage, 3 * perImage);
    assertThat(batch.count()).isEqualTo(3);
    assertThat(batch.images()).hasSize(3 * perImage);
    for (int i = 0; i < perImage; i++) {
      assertThat(Math.abs(third[i] - alone[i])).as("pixel value %d", i).isLessThan(1e-5f);
    }
    assertThat(batch.parameters()[2]).contains("Seed: 102");
  }

  @Test
  void imagesHaveTheRequestedSizeAndValuesInUnitRange() {
    GeneratedImages result =
        pipeline.generate(request("a tree", 1, 1, 7), GenerationListener.none());

    assertThat(result.image(0).getWidth()).isEqualTo(64);
    assertThat(result.image(0).getHeight()).isEqualTo(48);
    assertThat(result.latents()).hasSize(4 * 6 * 8);
    for (float value : result.images()) {
      assertThat(value).isBetween(0f, 1f);
    }
  }

  @Test
  void reportsEveryStepInOrder() {
    List<String> progress = new ArrayList<>();

    pipeline.generate(
        request("a tree", 1, 1, 7), (completed, total) -> progress.add(completed + "/" + total));

    assertThat(progress).containsExactly("1/4", "2/4", "3/4", "4/4");
  }

  @Test
  void anInterruptedThreadStopsBetweenSteps() {
    List<Integer> steps = new ArrayList<>();
    GenerationListener interruptAfterTwo =
        (completed, total) -> {
          steps.add(completed);
          if (completed == 2) {
            Thread.currentThread().interrupt();
          }
        };
    try {
      assertThatThrownBy(() -> pipeline.generate(request("a tree", 1, 1, 7), interruptAfterTwo))
          .isInstanceOf(CancellationException.class)
          .hasMessageContaining("before step 3");
      assertThat(steps).containsExactly(1, 2);
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void pngCarriesTheGenerationParameters() throws IOException {
    GeneratedImages result =
        pipeline.generate(request("a red fox", 42, 1, 7), GenerationListener.none());
    ByteArrayOutputStream png = new ByteArrayOutputStream();

    result.writePng(0, png);

    assertThat(PngImages.readParameters(new ByteArrayInputStream(png.toByteArray())))
        .hasValueSatisfying(
            text ->
                assertThat(text)
                    .startsWith("a red fox\nNegative prompt: blurry\n")
                    .contains("Steps: 4", "Seed: 42", "Size: 64x48", "CFG scale: 7.0"));
  }

  @Test
  void unknownSchedulerIsRefusedClearly() {
    GenerationRequest request =
        new GenerationRequest("x", "", 64, 64, 2, 7, 1, 1, "PNDMScheduler", null);

    assertThatThrownBy(() -> pipeline.generate(request, GenerationListener.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PNDMScheduler");
  }
}

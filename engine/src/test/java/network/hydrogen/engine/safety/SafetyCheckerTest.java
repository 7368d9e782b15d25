package network.hydrogen.engine.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationTimings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety checker against what transformers and diffusers compute from a tiny random checker
 * (tools/engine-reference/make_safety_checker_reference.py): the processor's 8-bit crops bit for
 * bit, the embeddings and cosines within float tolerance, and the flags, including one that only
 * the special-care adjustment raises and one that is just above the rounding.
 */
class SafetyCheckerTest {

  static final Path REFERENCE = Path.of("src/test/resources/engine-reference/safety-checker");
  static final int IMAGES = 3;

  static SafetyChecker checker;
  static JsonNode expected;

  @BeforeAll
  static void open() throws IOException {
    Path folder = REFERENCE.resolve("checker");
    checker =
        SafetyChecker.open(
            folder, null, folder.resolve("preprocessor_config.json"), InferenceOptions.defaults());
    expected = new ObjectMapper().readTree(REFERENCE.resolve("reference.json").toFile());
  }

  @AfterAll
  static void close() {
    checker.close();
  }

  static ControlImage image(String folder, int n) throws IOException {
    return ControlImage.decode(Files.readAllBytes(REFERENCE.resolve(folder).resolve(n + ".png")));
  }

  @Test
  void cropsThePixelsTransformersCrops() throws IOException {
    ClipImageProcessor processor =
        ClipImageProcessor.read(REFERENCE.resolve("checker/preprocessor_config.json"));
    for (int n = 0; n < IMAGES; n++) {
      ControlImage input = image("images", n);
      assertThat(processor.crop(input.rgb(), input.width(), input.height()))
          .as("crop of image %d", n)
          .isEqualTo(image("crops", n).rgb());
    }
  }

  @Test
  void embedsAndComparesAsTheReference() throws IOException {
    for (int n = 0; n < IMAGES; n++) {
      ControlImage input = image("images", n);
      FloatTensor embeds = checker.embed(new byte[][] {input.rgb()}, input.width(), input.height());
      JsonNode want = expected.get("image_embeds").get(n);
      assertThat(embeds.values()).hasSize(want.size());
      for (int i = 0; i < want.size(); i++) {
        assertThat(embeds.values()[i]).isCloseTo((float) want.get(i).asDouble(), within(1e-5f));
      }
      SafetyChecker.Cosines cosines = checker.cosines(embeds.values());
      assertClose(cosines.special(), expected.get("special_cos").get(n));
      assertClose(cosines.concepts(), expected.get("concept_cos").get(n));
    }
  }

  @Test
  void blacksOutTheImagesTheReferenceFlags() throws IOException {
    for (int n = 0; n < IMAGES; n++) {
      ControlImage input = image("images", n);
      GeneratedImages images = generated(input);
      SafetyChecker.Verdict verdict = checker.check(images);
      boolean flagged = expected.get("flagged").get(n).asBoolean();
      assertThat(verdict.flagged()).as("image %d", n).containsExactly(flagged);
      if (flagged) {
        assertThat(verdict.images().images()).containsOnly(0f);
      } else {
        assertThat(verdict.images().images()).isEqualTo(images.images());
      }
    }
  }

  @Test
  void namesTheMissingWeights(@TempDir Path dir) throws IOException {
    Files.copy(REFERENCE.resolve("checker/config.json"), dir.resolve("config.json"));
    assertThatThrownBy(
            () ->
                SafetyChecker.open(
                    dir,
                    null,
                    REFERENCE.resolve("checker/preprocessor_config.json"),
                    InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("safety checker");
  }

  /** A one-image generation whose pixels are exactly {@code image}'s. */
  static GeneratedImages generated(ControlImage image) {
    int plane = image.width() * image.height();
    float[] nchw = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        nchw[c * plane + i] = (image.rgb()[3 * i + c] & 0xff) / 255f;
      }
    }
    return new GeneratedImages(
        new float[0],
        nchw,
        1,
        image.width(),
        image.height(),
        new String[] {"test"},
        new GenerationTimings(0, 0, 0, 0, 0));
  }

  static void assertClose(float[] actual, JsonNode want) {
    assertThat(actual).hasSize(want.size());
    for (int i = 0; i < want.size(); i++) {
      assertThat(actual[i])
          .as("cosine %d", i)
          .isCloseTo((float) want.get(i).asDouble(), within(1e-5f));
    }
  }
}

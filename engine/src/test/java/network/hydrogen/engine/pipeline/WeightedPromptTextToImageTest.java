package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ModelFiles;
import org.junit.jupiter.api.Test;

/**
 * txt2img conditions the UNet on compel's conditioning: the sd15-compel long prompt (308 tokens)
 * and its short negative prompt reach the UNet padded to one length, as the reference computed.
 */
class WeightedPromptTextToImageTest {

  private static final Path COMPEL = Path.of("src/test/resources/engine-reference/sd15-compel");

  @Test
  void aLongPromptAndAShortNegativePromptArePaddedToOneLength() throws IOException {
    JsonNode longPrompt =
        new ObjectMapper()
            .readTree(COMPEL.resolve("golden/index.json").toFile())
            .get("long_prompt");
    Map<String, FloatTensor> tensors = new HashMap<>();
    GenerationRequest request =
        new GenerationRequest(
            longPrompt.get("prompt").asText(),
            longPrompt.get("negative_prompt").asText(),
            64,
            64,
            1,
            7,
            3,
            1,
            "EulerDiscreteScheduler",
            null);

    try (TextToImage pipeline =
        TextToImage.load(ModelFiles.open(TextToImageTest.MODEL), new InferenceOptions(1))) {
      pipeline.generate(
          request,
          new GenerationListener() {
            @Override
            public void onStep(int completed, int total) {}

            @Override
            public void onTensor(String name, FloatTensor value) {
              tensors.put(name, value);
            }
          });
    }

    FloatTensor cond = tensors.get("text_embeddings.cond");
    FloatTensor uncond = tensors.get("text_embeddings.uncond");
    assertThat(cond.shape()).containsExactly(1, 308, 32);
    assertThat(uncond.shape()).containsExactly(1, 308, 32);
    assertThat(maxAbsError(cond.values(), read(longPrompt.get("cond_padded")))).isLessThan(1e-4);
    assertThat(maxAbsError(uncond.values(), read(longPrompt.get("uncond_padded"))))
        .isLessThan(1e-4);
  }

  private static float[] read(JsonNode entry) throws IOException {
    byte[] bytes = Files.readAllBytes(COMPEL.resolve(entry.get("file").asText()));
    float[] values = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static double maxAbsError(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double max = 0;
    for (int i = 0; i < actual.length; i++) {
      max = Math.max(max, Math.abs(actual[i] - expected[i]));
    }
    return max;
  }
}

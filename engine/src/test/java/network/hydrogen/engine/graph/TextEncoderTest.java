package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Set;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextEncoderTest {

  private static ClipTextConfig config;
  private static TextEncoder encoder;

  @BeforeAll
  static void open() throws IOException {
    config = Reference.SD15.textConfig("text_encoder");
    encoder =
        TextEncoder.create(
            config,
            Reference.SD15.weights("text_encoder", "model.safetensors"),
            new InferenceOptions(1));
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  @Test
  void readsTheSd15Config() {
    assertThat(config)
        .isEqualTo(
            new ClipTextConfig(
                49408, 32, 128, 32, 2, 4, 77, "quick_gelu", 1e-5, 49406, 49407, 1, false));
  }

  @Test
  void reproducesCondAndUncondEmbeddingsInOneBatch() throws IOException {
    JsonNode entry = Reference.SD15.index().get("text_embeddings");
    long[] cond = Reference.SD15.tokens("tokens", entry.get("prompt").asText());
    long[] uncond = Reference.SD15.tokens("tokens", entry.get("negative_prompt").asText());

    TextEncoder.Output out = encoder.encode(new long[][] {cond, uncond});

    Reference.assertClose(
        Reference.rows(out.lastHiddenState(), 0, 1), Reference.SD15.tensor(entry.get("cond")));
    Reference.assertClose(
        Reference.rows(out.lastHiddenState(), 1, 2), Reference.SD15.tensor(entry.get("uncond")));
  }

  @Test
  void batchItemsAreIndependentAndPooledIsTheFirstEndToken() throws IOException {
    long[] fox = Reference.SD15.tokens("tokens", "a red fox in the snow");
    long[] empty = Reference.SD15.tokens("tokens", "");
    TextEncoder.Output single = encoder.encode(new long[][] {fox});
    TextEncoder.Output triple = encoder.encode(new long[][] {empty, fox, empty});

    assertThat(triple.lastHiddenState().shape()).containsExactly(3, 77, 32);
    assertThat(triple.penultimateHiddenState().shape()).containsExactly(3, 77, 32);
    assertThat(triple.pooled().shape()).containsExactly(3, 32);
    Reference.assertClose(Reference.rows(triple.lastHiddenState(), 1, 2), single.lastHiddenState());
    // the prompt's end token is at position 7: the pooled output is that row of the last state
    float[] row7 = java.util.Arrays.copyOfRange(single.lastHiddenState().values(), 7 * 32, 8 * 32);
    assertThat(single.pooled().values()).containsExactly(row7);
    // the penultimate state differs from the final one (another layer and no final norm)
    assertThat(single.penultimateHiddenState().values())
        .isNotEqualTo(single.lastHiddenState().values());
  }

  @Test
  void legacyEosTokenIdPoolsAtTheFirstLargestIdAsTransformersDoes() throws IOException {
    // The real SD 1.x/2.x configs say eos_token_id 2; transformers then pools at argmax(ids),
    // the first end-of-text token 49407, not at the first id 2 (of which there is none here).
    ClipTextConfig legacy =
        new ClipTextConfig(49408, 32, 128, 32, 2, 4, 77, "quick_gelu", 1e-5, 0, 2, 1, false);
    assertThat(legacy.legacyPooling()).isTrue();
    long[] ids = {49406, 320, 1929, 49407, 49407, 269, 49407};
    try (TextEncoder legacyEncoder =
        TextEncoder.create(
            legacy,
            Reference.SD15.weights("text_encoder", "model.safetensors"),
            new InferenceOptions(1))) {
      TextEncoder.Output out = legacyEncoder.encode(new long[][] {ids});
      float[] row3 = java.util.Arrays.copyOfRange(out.lastHiddenState().values(), 3 * 32, 4 * 32);
      assertThat(out.pooled().values()).containsExactly(row3);
      assertThat(out.lastHiddenState().values())
          .containsExactly(encoder.encode(new long[][] {ids}).lastHiddenState().values());
    }
  }

  @Test
  void refusesWeightsOfAnotherShape() {
    ClipTextConfig wider =
        new ClipTextConfig(
            49408, 64, 128, 32, 2, 4, 77, "quick_gelu", 1e-5, 49406, 49407, 1, false);
    assertThatThrownBy(
            () ->
                TextEncoder.create(
                    wider,
                    Reference.SD15.weights("text_encoder", "model.safetensors"),
                    InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining(
            "tensor text_model.embeddings.position_embedding.weight has shape [77, 32] but the"
                + " config requires [77, 64]");
  }

  @Test
  void widensHalfPrecisionWeights() throws IOException {
    WeightSource full = Reference.SD15.weights("text_encoder", "model.safetensors");
    WeightSource half =
        new WeightSource() {
          @Override
          public Set<String> names() {
            return full.names();
          }

          @Override
          public Tensor tensor(String name) throws IOException {
            FloatBuffer values = full.tensor(name).toFloat32();
            ByteBuffer bytes =
                ByteBuffer.allocate(values.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.remaining(); i++) {
              bytes.putShort(2 * i, Float.floatToFloat16(values.get(i)));
            }
            return new Tensor(name, DType.F16, full.tensor(name).shape(), bytes);
          }

          @Override
          public String describe() {
            return "fp16 copy of " + full.describe();
          }
        };
    long[] fox = Reference.SD15.tokens("tokens", "a red fox in the snow");
    try (TextEncoder halfEncoder = TextEncoder.create(config, half, new InferenceOptions(1))) {
      float[] expected = encoder.encode(new long[][] {fox}).lastHiddenState().values();
      float[] actual = halfEncoder.encode(new long[][] {fox}).lastHiddenState().values();
      float maxError = 0;
      for (int i = 0; i < expected.length; i++) {
        maxError = Math.max(maxError, Math.abs(expected[i] - actual[i]));
      }
      // fp16 rounding of the weights moves the output a little, never a lot
      assertThat(maxError).isGreaterThan(0f).isLessThan(0.05f);
    }
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    assertThatThrownBy(() -> encoder.encode(new long[][] {{49406, 49408}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("49408");
  }
}

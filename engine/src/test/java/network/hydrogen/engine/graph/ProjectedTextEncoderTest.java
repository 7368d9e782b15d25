package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import network.hydrogen.engine.model.ClipTextConfig;
import org.junit.jupiter.api.Test;

/** SDXL's second text encoder: gelu, pad token 0, text_projection, hidden_states[-2]. */
class ProjectedTextEncoderTest {

  private static final Reference REF = Reference.SDXL_REFINER;

  @Test
  void reproducesPenultimateStatesAndProjectedPooledEmbeddings() throws IOException {
    ClipTextConfig config = REF.textConfig("text_encoder_2");
    assertThat(config.withProjection()).isTrue();
    assertThat(config.hiddenAct()).isEqualTo("gelu");
    JsonNode textCase = REF.index().get("text_embeddings").get("cases").get(0);
    assertThat(textCase.get("case").asText()).isEqualTo("neg_none");
    long[] prompt = REF.tokens("tokens_2", textCase.get("prompt").asText());
    long[] negative = REF.tokens("tokens_2", "");

    try (TextEncoder encoder =
        TextEncoder.create(
            config, REF.weights("text_encoder_2", "model.safetensors"), new InferenceOptions(1))) {
      TextEncoder.Output out = encoder.encode(new long[][] {prompt, negative});

      Reference.assertClose(
          Reference.rows(out.penultimateHiddenState(), 0, 1),
          REF.tensor(textCase.get("prompt_embeds")));
      Reference.assertClose(
          Reference.rows(out.penultimateHiddenState(), 1, 2),
          REF.tensor(textCase.get("negative_prompt_embeds")));
      Reference.assertClose(
          Reference.rows(out.pooled(), 0, 1), REF.tensor(textCase.get("pooled_prompt_embeds")));
      Reference.assertClose(
          Reference.rows(out.pooled(), 1, 2),
          REF.tensor(textCase.get("negative_pooled_prompt_embeds")));
    }
  }
}

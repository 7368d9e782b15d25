package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDXL UNet (addition_embed_type text_time): the pooled text embedding and the embedded time
 * ids are added to the timestep embedding, as diffusers does; the tiny SDXL reference's UNet call.
 */
class SdxlUNetTest {

  private static UNet unet;
  private static JsonNode call;
  private static FloatTensor sample;
  private static FloatTensor context;
  private static FloatTensor pooled;
  private static FloatTensor timeIds;

  @BeforeAll
  static void open() throws IOException {
    Reference sdxl = Reference.SDXL;
    unet =
        UNet.create(
            sdxl.unetConfig(),
            sdxl.weights("unet", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1));
    JsonNode index = sdxl.index();
    call = index.get("unet_call");
    JsonNode text = null;
    for (JsonNode entry : index.get("text_embeddings").get("cases")) {
      if (entry.get("case").asText().equals("neg_text")) {
        text = entry;
      }
    }
    sample = sdxl.tensor(call.get("sample"));
    context =
        stack(
            sdxl.tensor(text.get("prompt_embeds")),
            sdxl.tensor(text.get("negative_prompt_embeds")));
    pooled =
        stack(
            sdxl.tensor(text.get("pooled_prompt_embeds")),
            sdxl.tensor(text.get("negative_pooled_prompt_embeds")));
    JsonNode rows = call.get("time_ids");
    float[] ids = new float[12];
    for (int i = 0; i < 12; i++) {
      ids[i] = (float) rows.get(i / 6).get(i % 6).asDouble();
    }
    timeIds = new FloatTensor(new long[] {2, 6}, ids);
  }

  @AfterAll
  static void close() {
    unet.close();
  }

  private static FloatTensor stack(FloatTensor a, FloatTensor b) {
    long[] shape = a.shape();
    shape[0] = 2;
    float[] values = new float[a.values().length + b.values().length];
    System.arraycopy(a.values(), 0, values, 0, a.values().length);
    System.arraycopy(b.values(), 0, values, a.values().length, b.values().length);
    return new FloatTensor(shape, values);
  }

  private static FloatTensor predict(FloatTensor ids) {
    return unet.predict(
        sample, new float[] {500, 1}, context, new UNet.AddedConditioning(pooled, ids));
  }

  @Test
  void reproducesTheReferenceCall() throws IOException {
    Reference.assertClose(predict(timeIds), Reference.SDXL.tensor(call.get("out")));
  }

  @Test
  void theTimeIdsConditionTheOutput() {
    float[] cropped = timeIds.values().clone();
    cropped[2] = 0;
    cropped[3] = 0;

    assertThat(predict(new FloatTensor(timeIds.shape(), cropped)).values())
        .isNotEqualTo(predict(timeIds).values());
  }

  @Test
  void missingOrMisshapedAddedConditioningIsRefused() {
    assertThatThrownBy(() -> unet.predict(sample, new float[] {500, 1}, context))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs text_embeds and time_ids");
    FloatTensor fiveIds = new FloatTensor(new long[] {2, 5}, new float[10]);
    assertThatThrownBy(() -> predict(fiveIds))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("text_embeds width 48 plus 5 time ids x 8 = 88")
        .hasMessageContaining("projection_class_embeddings_input_dim is 96");
    FloatTensor oneRow = new FloatTensor(new long[] {1, 6}, new float[6]);
    assertThatThrownBy(() -> predict(oneRow))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be [2, n]");
  }
}

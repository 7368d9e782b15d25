package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Random;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UNetTest {

  private static UNetConfig config;
  private static UNet unet;

  @BeforeAll
  static void open() throws IOException {
    config = Reference.SD15.unetConfig();
    unet =
        UNet.create(
            config,
            Reference.SD15.weights("unet", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1));
  }

  @AfterAll
  static void close() {
    unet.close();
  }

  private static FloatTensor context(int batch) throws IOException {
    JsonNode entry = Reference.SD15.index().get("text_embeddings");
    float[] cond = Reference.SD15.tensor(entry.get("cond")).values();
    float[] uncond = Reference.SD15.tensor(entry.get("uncond")).values();
    float[] values = new float[batch * cond.length];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(i % 2 == 0 ? cond : uncond, 0, values, i * cond.length, cond.length);
    }
    return new FloatTensor(new long[] {batch, 77, 32}, values);
  }

  private static FloatTensor noise(long... shape) {
    Random random = new Random(7);
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    float[] values = new float[(int) count];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return new FloatTensor(shape, values);
  }

  @Test
  void readsTheQuirkyHeadCount() {
    // attention_head_dim 8 with num_attention_heads null means 8 heads
    assertThat(config.headsAt(0)).isEqualTo(8);
    assertThat(config.headsAt(1)).isEqualTo(8);
    assertThat(config.midHeads()).isEqualTo(8);
    assertThat(config.crossAttentionDim()).isEqualTo(32);
    assertThat(config.timeEmbedDim()).isEqualTo(128);
  }

  @Test
  void reproducesTheReferenceCallWithPerItemTimesteps() throws IOException {
    JsonNode entry = Reference.SD15.index().get("unet_call");
    float[] timesteps = {
      (float) entry.get("timesteps").get(0).asDouble(),
      (float) entry.get("timesteps").get(1).asDouble()
    };
    FloatTensor out =
        unet.predict(Reference.SD15.tensor(entry.get("sample")), timesteps, context(2));
    Reference.assertClose(out, Reference.SD15.tensor(entry.get("out")));
  }

  @Test
  void oneSessionServesOtherBatchesAndNonSquareSizes() throws IOException {
    FloatTensor single = unet.predict(noise(1, 4, 8, 16), new float[] {321}, context(1));
    assertThat(single.shape()).containsExactly(1, 4, 8, 16);

    FloatTensor triple = unet.predict(noise(3, 4, 16, 8), new float[] {999, 500, 1}, context(3));
    assertThat(triple.shape()).containsExactly(3, 4, 16, 8);

    // a long prompt's context (two 77-token chunks) is just a longer sequence
    FloatTensor twoChunks = context(2);
    FloatTensor longContext = new FloatTensor(new long[] {1, 154, 32}, twoChunks.values());
    assertThat(unet.predict(noise(1, 4, 8, 8), new float[] {5}, longContext).shape())
        .containsExactly(1, 4, 8, 8);

    // odd latent sizes: the upsampler follows the skip connection's size
    FloatTensor odd = unet.predict(noise(1, 4, 7, 5), new float[] {10}, context(1));
    assertThat(odd.shape()).containsExactly(1, 4, 7, 5);
  }

  @Test
  void batchItemsDoNotInfluenceEachOther() throws IOException {
    FloatTensor pair = noise(2, 4, 8, 16);
    FloatTensor both = unet.predict(pair, new float[] {700, 700}, context(2));
    FloatTensor first = unet.predict(Reference.rows(pair, 0, 1), new float[] {700}, context(1));
    Reference.assertClose(Reference.rows(both, 0, 1), first);
  }

  @Test
  void namesTheMissingTensorAndTheFile() {
    // the VAE file has none of the UNet's tensors
    assertThatThrownBy(
            () ->
                UNet.create(
                    config,
                    Reference.SD15.weights("vae", "diffusion_pytorch_model.safetensors"),
                    InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("vae/diffusion_pytorch_model.safetensors")
        .hasMessageContaining("the UNet weights do not match the config (304 problems)")
        .hasMessageContaining("no tensor conv_in.weight [32, 4, 3, 3]")
        .hasMessageEndingWith("; and 294 more");
  }

  @Test
  void refusesAddedConditioningItHasNoEmbeddingFor() throws IOException {
    FloatTensor sample = new FloatTensor(new long[] {1, 4, 8, 8}, new float[256]);
    FloatTensor pooled = new FloatTensor(new long[] {1, 8}, new float[8]);
    FloatTensor timeIds = new FloatTensor(new long[] {1, 6}, new float[6]);

    assertThatThrownBy(
            () ->
                unet.predict(
                    sample,
                    new float[] {1},
                    context(1),
                    new UNet.AddedConditioning(pooled, timeIds)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no added conditioning");
  }

  @Test
  void refusesLcmGuidanceEmbeddingAndTextTimeWithoutItsWeights() throws IOException {
    ObjectNode sdxlLike = (ObjectNode) Reference.SD15.config("unet");
    sdxlLike.put("addition_embed_type", "text_time");
    sdxlLike.put("addition_time_embed_dim", 8);
    sdxlLike.put("projection_class_embeddings_input_dim", 64);
    ObjectNode lcmLike = (ObjectNode) Reference.SD15.config("unet");
    lcmLike.put("time_cond_proj_dim", 256);
    WeightSource weights = Reference.SD15.weights("unet", "diffusion_pytorch_model.safetensors");

    assertThatThrownBy(
            () ->
                UNet.create(
                    UNetConfig.parse(sdxlLike, "sdxl unet"), weights, InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("no tensor add_embedding.linear_1.weight [128, 64]");
    assertThatThrownBy(
            () ->
                UNet.create(
                    UNetConfig.parse(lcmLike, "lcm unet"), weights, InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("time_cond_proj_dim 256");
  }
}

package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import network.hydrogen.engine.model.VaeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaeDecoderTest {

  private static VaeConfig config;
  private static VaeDecoder decoder;

  @BeforeAll
  static void open() throws IOException {
    config = Reference.SD15.vaeConfig();
    decoder =
        VaeDecoder.create(
            config,
            Reference.SD15.weights("vae", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1));
  }

  @AfterAll
  static void close() {
    decoder.close();
  }

  @Test
  void reproducesTheReferenceDecode() throws IOException {
    JsonNode index = Reference.SD15.index();
    FloatTensor latents = Reference.SD15.tensor(index.get("unet_call").get("sample"));
    float[] unscaled = latents.values().clone();
    for (int i = 0; i < unscaled.length; i++) {
      unscaled[i] /= (float) config.scalingFactor();
    }
    FloatTensor image = decoder.decode(new FloatTensor(latents.shape(), unscaled));
    Reference.assertClose(image, Reference.SD15.tensor(index.get("vae_decode").get("out")));
  }

  @Test
  void decodesOtherBatchesAndNonSquareSizes() {
    FloatTensor image =
        decoder.decode(new FloatTensor(new long[] {3, 4, 8, 16}, new float[3 * 4 * 8 * 16]));
    assertThat(image.shape()).containsExactly(3, 3, 64, 128);
  }
}

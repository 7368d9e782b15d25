package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import network.hydrogen.engine.model.VaeConfig;
import org.junit.jupiter.api.Test;

class VaeEncoderTest {

  private static final Reference REF = Reference.SDXL_REFINER;

  @Test
  void reproducesTheReferenceMoments() throws IOException {
    VaeConfig config = REF.vaeConfig();
    JsonNode entry = REF.index().get("vae_encode");
    FloatTensor image = REF.tensor(entry.get("image"));
    float[] signed = image.values().clone();
    for (int i = 0; i < signed.length; i++) {
      signed[i] = 2 * signed[i] - 1;
    }
    FloatTensor moments = REF.tensor(entry.get("moments"));
    int half = moments.values().length / 2;
    long[] latentShape = {1, 4, moments.dim(2), moments.dim(3)};
    float[] logVariance = Arrays.copyOfRange(moments.values(), half, 2 * half);
    float[] std = new float[half];
    for (int i = 0; i < half; i++) {
      std[i] = (float) Math.exp(0.5 * Math.clamp(logVariance[i], -30f, 20f));
    }

    try (VaeEncoder encoder =
        VaeEncoder.create(
            config,
            REF.weights("vae", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1))) {
      VaeEncoder.LatentDistribution latents =
          encoder.encode(new FloatTensor(image.shape(), signed));

      Reference.assertClose(
          latents.mean(),
          new FloatTensor(latentShape, Arrays.copyOfRange(moments.values(), 0, half)));
      Reference.assertClose(latents.std(), new FloatTensor(latentShape, std));

      FloatTensor pair =
          encoder
              .encode(new FloatTensor(new long[] {2, 3, 40, 24}, new float[2 * 3 * 40 * 24]))
              .mean();
      assertThat(pair.shape()).containsExactly(2, 4, 5, 3);
    }
  }
}

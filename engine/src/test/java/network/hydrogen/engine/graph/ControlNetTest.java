package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import network.hydrogen.engine.model.ControlNetModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ControlNet and the UNet with its residuals against the reference's {@code controlnet_call}
 * and {@code unet_call} (sd15-controlnet), and the conditioning scale's effect.
 */
class ControlNetTest {

  static final Reference REF =
      new Reference(java.nio.file.Path.of("src/test/resources/engine-reference/sd15-controlnet"));

  private static ControlNet controlNet;
  private static UNet unet;
  private static JsonNode call;

  @BeforeAll
  static void open() throws IOException {
    ControlNetModel model = ControlNetModel.open(REF.root().resolve("controlnet"));
    controlNet = ControlNet.create(model.config(), model.weights(), new InferenceOptions(1));
    unet =
        UNet.createWithControl(
            Reference.SD15.unetConfig(),
            Reference.SD15.weights("unet", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1));
    call = REF.index().get("controlnet_call");
  }

  @AfterAll
  static void close() {
    controlNet.close();
    unet.close();
  }

  private static ControlNet.Residuals residuals(float scale) throws IOException {
    return controlNet.residuals(
        REF.tensor(call.get("sample")),
        new float[] {500, 1},
        REF.tensor(call.get("encoder_hidden_states")),
        REF.tensor(REF.index().get("control_image").get("out")),
        scale);
  }

  @Test
  void residualsMatchTheReference() throws IOException {
    ControlNet.Residuals residuals = residuals(0.7f);

    JsonNode down = call.get("down_block_res_samples");
    assertThat(residuals.down()).hasSize(down.size());
    for (int i = 0; i < down.size(); i++) {
      Reference.assertClose(residuals.down().get(i), REF.tensor(down.get(i)));
    }
    Reference.assertClose(residuals.mid(), REF.tensor(call.get("mid_block_res_sample")));
  }

  @Test
  void unetWithResidualsMatchesTheReference() throws IOException {
    FloatTensor out =
        unet.predict(
            REF.tensor(call.get("sample")),
            new float[] {500, 1},
            REF.tensor(call.get("encoder_hidden_states")),
            null,
            residuals(0.7f));

    Reference.assertClose(out, REF.tensor(REF.index().get("unet_call").get("out")));
  }

  /** The residuals are linear in the scale: at 0.35 they are half those at 0.7; at 0, zero. */
  @Test
  void residualsScaleWithTheConditioningScale() throws IOException {
    ControlNet.Residuals full = residuals(0.7f);
    ControlNet.Residuals half = residuals(0.35f);
    ControlNet.Residuals none = residuals(0f);

    for (int i = 0; i < full.down().size(); i++) {
      float[] a = full.down().get(i).values();
      float[] b = half.down().get(i).values();
      float max = 0;
      for (int j = 0; j < a.length; j++) {
        assertThat(b[j]).isCloseTo(a[j] / 2, org.assertj.core.data.Offset.offset(1e-6f));
        max = Math.max(max, Math.abs(a[j]));
        assertThat(none.down().get(i).values()[j]).isZero();
      }
      assertThat(max).isGreaterThan(1e-3f);
    }
  }

  @Test
  void unetWithoutResidualsEqualsTheUnetAtScaleZero() throws IOException {
    FloatTensor sample = REF.tensor(call.get("sample"));
    FloatTensor context = REF.tensor(call.get("encoder_hidden_states"));
    float[] timesteps = {500, 1};
    FloatTensor zero = unet.predict(sample, timesteps, context, null, residuals(0f));
    try (UNet plain =
        UNet.create(
            Reference.SD15.unetConfig(),
            Reference.SD15.weights("unet", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1))) {
      FloatTensor base = plain.predict(sample, timesteps, context);
      assertThat(zero.values()).containsExactly(base.values());
      assertThatThrownBy(() -> plain.predict(sample, timesteps, context, null, residuals(0f)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("without ControlNet inputs");
    }
    assertThatThrownBy(() -> unet.predict(sample, timesteps, context))
        .hasMessageContaining("needs the residuals");
  }

  @Test
  void refusesTheWrongNumberOfResiduals() throws IOException {
    ControlNet.Residuals residuals = residuals(0.7f);
    List<FloatTensor> fewer = new ArrayList<>(residuals.down());
    fewer.removeLast();

    assertThatThrownBy(
            () ->
                unet.predict(
                    REF.tensor(call.get("sample")),
                    new float[] {500, 1},
                    REF.tensor(call.get("encoder_hidden_states")),
                    null,
                    new ControlNet.Residuals(fewer, residuals.mid())))
        .hasMessageContaining("6 skip connections, got 5");
  }
}

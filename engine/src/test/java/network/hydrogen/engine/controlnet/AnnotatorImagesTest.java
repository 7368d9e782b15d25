package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import network.hydrogen.engine.image.OpenCvReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AnnotatorImages against controlnet_aux's util (tools/annotators/make_opencv_reference.py). */
class AnnotatorImagesTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("annotator");
  }

  @Test
  void nmsMatchesControlnetAux() {
    OpenCvReference edges = records.get("input_edges");
    float[] x = new float[edges.bytes().length];
    for (int i = 0; i < x.length; i++) {
      x[i] = edges.bytes()[i] & 0xff;
    }
    for (String name : OpenCvReference.named(records, "nms_")) {
      OpenCvReference expected = records.get(name);
      byte[] z =
          AnnotatorImages.nms(
              x,
              edges.height(),
              edges.width(),
              Double.parseDouble(expected.param("t")),
              Double.parseDouble(expected.param("s")));
      assertThat(expected.matches(z)).as(name).isTrue();
    }
  }

  @Test
  void safeStepAndMinMaxNormMatchControlnetAux() {
    float[] probs = records.get("input_probs").floats();
    for (String name : OpenCvReference.named(records, "safe_step_")) {
      OpenCvReference expected = records.get(name);
      float[] y = AnnotatorImages.safeStep(probs, Integer.parseInt(expected.param("step")));
      assertThat(expected.matches(y)).as(name).isTrue();
    }
    float[] shifted = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      shifted[i] = probs[i] * 3 - 1;
    }
    assertThat(records.get("min_max_norm").matches(AnnotatorImages.minMaxNorm(shifted))).isTrue();
  }

  @Test
  void hwc3MatchesControlnetAux() {
    for (int channels : new int[] {1, 3, 4}) {
      OpenCvReference input = records.get("input_hwc" + channels);
      byte[] y = AnnotatorImages.hwc3(input.bytes(), input.height(), input.width(), channels);
      assertThat(records.get("hwc3_" + channels).matches(y)).as(channels + " channels").isTrue();
    }
    assertThatThrownBy(() -> AnnotatorImages.hwc3(new byte[8], 2, 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not 2");
  }

  @Test
  void padsByEdgeReplicationAndCropsBack() {
    byte[] rgb = new byte[3 * 70 * 65];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 7 + i / 211);
    }
    ControlImage image = new ControlImage(70, 65, rgb);

    AnnotatorImages.Padded padded = AnnotatorImages.pad64(image);

    assertThat(padded.image().width()).isEqualTo(128);
    assertThat(padded.image().height()).isEqualTo(128);
    byte[] out = padded.image().rgb();
    assertThat(out[3 * (127 * 128 + 127)]).isEqualTo(rgb[3 * (64 * 70 + 69)]);
    assertThat(out[3 * (10 * 128 + 100) + 2]).isEqualTo(rgb[3 * (10 * 70 + 69) + 2]);
    assertThat(padded.crop(padded.image()).rgb()).isEqualTo(rgb);
  }
}

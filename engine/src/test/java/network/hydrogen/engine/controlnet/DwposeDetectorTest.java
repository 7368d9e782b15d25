package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelNotFoundException;
import org.junit.jupiter.api.Test;

/**
 * DwposeDetector against DWPose's ONNX pipeline and controlnet_aux's DWposeDetector drawing, run
 * with colour-matching stand-ins for YOLOX and RTMPose (tools/annotators/pose.py reference).
 */
class DwposeDetectorTest {

  private static final Path DATA = OpenposeDetectorTest.DATA;
  private static final InferenceOptions OPTIONS = new InferenceOptions(1);

  /**
   * Keypoints within 1e-4 px: YOLOX's box sizes go through numpy's float32 {@code exp}, which is
   * not correctly rounded (here 1 ulp above Java's), so box edges and from them the crop's centre
   * differ in float32's last bits.
   */
  @Test
  void findsThePeopleAndKeypointsTheReferenceFinds() throws IOException {
    JsonNode expected = new ObjectMapper().readTree(DATA.resolve("dwpose_poses.json").toFile());
    ControlImage padded = AnnotatorImages.pad64(OpenposeDetectorTest.input()).image();
    byte[] bgr = new byte[padded.rgb().length];
    for (int i = 0; i < bgr.length; i += 3) {
      bgr[i] = padded.rgb()[i + 2];
      bgr[i + 1] = padded.rgb()[i + 1];
      bgr[i + 2] = padded.rgb()[i];
    }

    DwposeWholebody.People people;
    try (AnnotatorNetwork detector =
            AnnotatorNetwork.open("det", DATA.resolve(DwposeDetector.DETECTOR_MODEL), OPTIONS);
        AnnotatorNetwork pose =
            AnnotatorNetwork.open("pose", DATA.resolve(DwposeDetector.POSE_MODEL), OPTIONS)) {
      people = DwposeWholebody.detect(detector, pose, bgr, padded.height(), padded.width());
    }

    assertThat(people.keypoints().length).isEqualTo(expected.get("keypoints").size());
    for (int p = 0; p < people.keypoints().length; p++) {
      for (int k = 0; k < 134; k++) {
        JsonNode point = expected.get("keypoints").get(p).get(k);
        assertThat(people.keypoints()[p][k][0])
            .as("person %d keypoint %d x", p, k)
            .isCloseTo(point.get(0).asDouble(), within(1e-4));
        assertThat(people.keypoints()[p][k][1])
            .as("person %d keypoint %d y", p, k)
            .isCloseTo(point.get(1).asDouble(), within(1e-4));
        assertThat(people.scores()[p][k])
            .as("person %d keypoint %d score", p, k)
            .isCloseTo(expected.get("scores").get(p).get(k).asDouble(), within(1e-6));
      }
    }
  }

  @Test
  void drawsWhatTheReferenceDraws() throws IOException {
    ControlImage expected = AnnotatorTestData.png(DATA.resolve("dwpose.png"));

    ControlImage map =
        DwposeDetector.of(DATA::resolve).apply(OpenposeDetectorTest.input(), OPTIONS);

    assertThat(map.width()).isEqualTo(expected.width());
    assertThat(OpenposeDetectorTest.differing(map.rgb(), expected.rgb())).isZero();
  }

  @Test
  void aMissingNetworkIsNamedWithBothFiles() {
    AnnotatorFiles noPose =
        name -> {
          if (name.equals(DwposeDetector.DETECTOR_MODEL)) {
            return DATA.resolve(name);
          }
          throw new ModelNotFoundException("annotators/" + name + " is missing");
        };

    assertThatThrownBy(() -> DwposeDetector.of(noPose))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining(
            "dwpose needs annotators/yolox_l.onnx and annotators/dw-ll_ucoco_384.onnx")
        .hasMessageContaining("annotators/dw-ll_ucoco_384.onnx is missing");
  }
}

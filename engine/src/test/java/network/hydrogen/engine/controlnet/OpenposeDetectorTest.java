package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * OpenposeDetector against controlnet_aux's OpenposeDetector run with the same stand-in networks
 * (tools/annotators/pose.py reference): colour-matching networks that find the two drawn people.
 */
class OpenposeDetectorTest {

  static final Path DATA = Path.of("src/test/resources/annotators/pose");
  private static final InferenceOptions OPTIONS = new InferenceOptions(1);

  static ControlImage input() throws IOException {
    return AnnotatorTestData.png(DATA.resolve("input.png"));
  }

  private static OpenposeDetector detector(boolean hand, boolean face, boolean drawBody) {
    return new OpenposeDetector(
        DATA.resolve(OpenposeDetector.BODY_MODEL),
        hand ? DATA.resolve(OpenposeDetector.HAND_MODEL) : null,
        face ? DATA.resolve(OpenposeDetector.FACE_MODEL) : null,
        drawBody);
  }

  @ParameterizedTest
  @CsvSource({"false, false", "false, true", "true, true", "true, false"})
  void findsThePeopleHandsAndFacesTheReferenceFinds(boolean hand, boolean face) throws IOException {
    JsonNode expected =
        new ObjectMapper()
            .readTree(DATA.resolve("openpose_poses.json").toFile())
            .get("hand=" + pythonBool(hand) + ",face=" + pythonBool(face));
    ControlImage padded = AnnotatorImages.pad64(input()).image();

    List<OpenposeDetector.Pose> poses = detector(hand, face, true).detect(padded, OPTIONS);

    assertThat(poses).hasSize(expected.size());
    for (int p = 0; p < poses.size(); p++) {
      OpenposeDetector.Pose pose = poses.get(p);
      JsonNode person = expected.get(p);
      double[][] body = pose.body();
      for (int k = 0; k < 18; k++) {
        JsonNode point = person.get("body").get(k);
        if (point.isNull()) {
          assertThat(body[k]).as("person %d part %d", p, k).isNull();
        } else {
          assertThat(body[k]).as("person %d part %d", p, k).isNotNull();
          assertThat(body[k][0]).isEqualTo(point.get(0).asDouble());
          assertThat(body[k][1]).isEqualTo(point.get(1).asDouble());
        }
      }
      assertPoints(pose.leftHand(), person.get("left_hand"), "person " + p + " left hand");
      assertPoints(pose.rightHand(), person.get("right_hand"), "person " + p + " right hand");
      assertPoints(pose.face(), person.get("face"), "person " + p + " face");
    }
  }

  private static String pythonBool(boolean value) {
    return value ? "True" : "False";
  }

  private static void assertPoints(float[][] actual, JsonNode expected, String what) {
    if (expected.isNull()) {
      assertThat(actual).as(what).isNull();
      return;
    }
    assertThat(actual).as(what).isNotNull();
    assertThat(actual.length).as(what).isEqualTo(expected.size());
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i][0])
          .as("%s point %d x", what, i)
          .isEqualTo(expected.get(i).get(0).floatValue());
      assertThat(actual[i][1])
          .as("%s point %d y", what, i)
          .isEqualTo(expected.get(i).get(1).floatValue());
    }
  }

  /** The body network's raw outputs for the image the detector feeds it, against torch's. */
  @Test
  void bodyNetworkRunsAsTorchRunsIt() throws IOException {
    ControlImage padded = AnnotatorImages.pad64(input()).image();
    byte[] bgr = new byte[padded.rgb().length];
    for (int i = 0; i < bgr.length; i += 3) {
      bgr[i] = padded.rgb()[i + 2];
      bgr[i + 1] = padded.rgb()[i + 1];
      bgr[i + 2] = padded.rgb()[i];
    }
    double scale = 0.5 * 368 / padded.height();
    int height = (int) (padded.height() * scale);
    int width = (int) (padded.width() * scale);
    OpenposeImages.Padded test =
        OpenposeImages.padRightDown(
            OpenposeImages.resizeBy(bgr, padded.height(), padded.width(), scale), height, width, 8);
    float[] expected = AnnotatorTestData.floats(DATA.resolve("body_raw.f32"));

    Map<String, FloatTensor> outputs;
    try (AnnotatorNetwork network =
        AnnotatorNetwork.open("body", DATA.resolve(OpenposeDetector.BODY_MODEL), OPTIONS)) {
      assertThat(network.outputNames()).containsExactly("paf", "heatmap");
      outputs = network.run(Map.of("image", OpenposeImages.networkInput(test)));
    }

    float[] paf = outputs.get("paf").values();
    float[] heatmap = outputs.get("heatmap").values();
    assertThat(outputs.get("paf").shape()).containsExactly(1, 38, 23, 23);
    assertThat(paf.length + heatmap.length).isEqualTo(expected.length);
    for (int i = 0; i < paf.length; i++) {
      assertThat(paf[i]).as("paf %d", i).isCloseTo(expected[i], within(1e-4f));
    }
    for (int i = 0; i < heatmap.length; i++) {
      assertThat(heatmap[i]).as("heatmap %d", i).isCloseTo(expected[paf.length + i], within(1e-4f));
    }
  }

  @ParameterizedTest
  @CsvSource({"openpose", "openpose_face", "openpose_faceonly", "openpose_full", "openpose_hand"})
  void drawsWhatTheReferenceDraws(String method) throws IOException {
    ControlImage expected = AnnotatorTestData.png(DATA.resolve(method + ".png"));
    Preprocessor detector =
        OpenposeDetector.of(
            TaskArgs.PreprocessMethod.valueOf(method.toUpperCase(Locale.ROOT)), DATA::resolve);

    ControlImage map = detector.apply(input(), OPTIONS);

    assertThat(map.width()).isEqualTo(expected.width());
    assertThat(map.height()).isEqualTo(expected.height());
    assertThat(differing(map.rgb(), expected.rgb())).isZero();
  }

  static int differing(byte[] a, byte[] b) {
    int count = 0;
    for (int i = 0; i < a.length; i += 3) {
      if (a[i] != b[i] || a[i + 1] != b[i + 1] || a[i + 2] != b[i + 2]) {
        count++;
      }
    }
    return count;
  }

  /** openpose_full from a task, its networks in a models folder's annotators/. */
  @Test
  void runsFromATaskWithTheNetworksInTheModelsFolder(@TempDir Path models) throws Exception {
    Path annotators = Files.createDirectories(models.resolve("annotators"));
    for (String file :
        List.of(
            OpenposeDetector.BODY_MODEL,
            OpenposeDetector.HAND_MODEL,
            OpenposeDetector.FACE_MODEL)) {
      Files.copy(DATA.resolve(file), annotators.resolve(file));
    }

    ControlImage map =
        ControlNetInput.fromTask(task("openpose_full"), new ModelLibrary(models))
            .orElseThrow()
            .preprocess(OPTIONS)
            .image();

    assertThat(map.rgb()).isEqualTo(AnnotatorTestData.png(DATA.resolve("openpose_full.png")).rgb());
    Files.delete(annotators.resolve(OpenposeDetector.FACE_MODEL));
    assertThatThrownBy(
            () -> ControlNetInput.fromTask(task("openpose_face"), new ModelLibrary(models)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/facenet.onnx")
        .hasMessageContaining(models.toString());
  }

  private static TaskArgs task(String method) throws Exception {
    return AnnotatorTestData.task(DATA.resolve("input.png"), "{\"method\": \"" + method + "\"}");
  }

  @Test
  void aMissingNetworkIsNamedWithTheFilesTheMethodNeeds() throws IOException {
    AnnotatorFiles onlyBody =
        name -> {
          if (name.equals(OpenposeDetector.BODY_MODEL)) {
            return DATA.resolve(name);
          }
          throw new ModelNotFoundException(
              "the annotator model annotators/" + name + " is missing");
        };

    assertThatThrownBy(() -> OpenposeDetector.of(TaskArgs.PreprocessMethod.OPENPOSE_FULL, onlyBody))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining(
            "openpose_full needs annotators/body_pose_model.onnx and "
                + "annotators/hand_pose_model.onnx and annotators/facenet.onnx")
        .hasMessageContaining("annotators/hand_pose_model.onnx is missing");
    assertThat(OpenposeDetector.of(TaskArgs.PreprocessMethod.OPENPOSE, onlyBody)).isNotNull();
  }
}

package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link MediapipeFaceDetector} against controlnet_aux's MediapipeFaceDetector with MediaPipe's
 * FaceMesh as the NumPy port of {@code tools/annotators/mlsd_face.py}, run with the same stand-in
 * networks in torch.
 */
class MediapipeFaceDetectorTest {

  static final Path DETECTOR = MlsdDetectorTest.DATA.resolve("face_detection_standin.onnx");
  static final Path LANDMARKER = MlsdDetectorTest.DATA.resolve("face_landmark_standin.onnx");

  /**
   * Two faces, the first from three overlapping detections (weighted NMS), the second weaker: one
   * face, both, only the first at 90 percent (one detection left), none at 100.
   */
  @ParameterizedTest
  @CsvSource({"1, 50", "2, 50", "2, 90", "3, 100"})
  void facesMatchTheReferenceDetectorPixelForPixel(int maxFaces, int minConfidence)
      throws IOException {
    ControlImage expected =
        MlsdDetectorTest.png("faces_176x100_n" + maxFaces + "_c" + minConfidence);

    ControlImage drawn =
        new MediapipeFaceDetector(maxFaces, minConfidence, DETECTOR, LANDMARKER)
            .apply(MlsdDetectorTest.png("faces_176x100"), MlsdDetectorTest.OPTIONS);

    assertThat(drawn.width()).isEqualTo(176);
    assertThat(drawn.height()).isEqualTo(100);
    assertThat(CannyDetectorTest.differing(drawn.rgb(), expected.rgb())).isZero();
  }

  @Test
  void theTwoFacesAreFoundWhereTheImageHasThem() throws IOException {
    ControlImage image = AnnotatorImages.pad64(MlsdDetectorTest.png("faces_176x100")).image();

    var faces =
        new MediapipeFaceDetector(2, 50, DETECTOR, LANDMARKER)
            .faces(image, MlsdDetectorTest.OPTIONS);

    assertThat(faces).hasSize(2);
    // the noses (landmark 1) lie in the drawn faces, left then right
    assertThat(faces.get(0)[2] * image.width()).isBetween(30f, 70f);
    assertThat(faces.get(1)[2] * image.width()).isBetween(110f, 150f);
  }

  @Test
  void detectorInputAndOutputMatchTorch() throws IOException {
    ControlImage image = AnnotatorImages.pad64(MlsdDetectorTest.png("faces_176x100")).image();
    FloatTensor input =
        FaceMesh.crop(
            image,
            FaceMesh.letterbox(image.width(), image.height()),
            FaceMesh.DETECTOR_SIZE,
            false,
            -1f,
            1f);
    float[] expected =
        AnnotatorTestData.floats(MlsdDetectorTest.DATA.resolve("faces_176x100_classificators.f32"));

    FloatTensor scores;
    try (AnnotatorNetwork network =
        AnnotatorNetwork.open("stand-in", DETECTOR, MlsdDetectorTest.OPTIONS)) {
      scores = network.run(Map.of("input", input)).get("classificators");
    }

    assertThat(scores.shape()).containsExactly(1, 896, 1);
    for (int i = 0; i < expected.length; i++) {
      assertThat(scores.values()[i]).as("anchor %d", i).isCloseTo(expected[i], within(1e-4f));
    }
  }

  @Test
  void aTaskRunsTheNetworksFromTheModelsFolder(@TempDir Path models) throws Exception {
    Path annotators = Files.createDirectories(models.resolve("annotators"));
    Files.copy(DETECTOR, annotators.resolve(MediapipeFaceDetector.DETECTOR_FILE));
    Files.copy(LANDMARKER, annotators.resolve(MediapipeFaceDetector.LANDMARK_FILE));
    TaskArgs task =
        AnnotatorTestData.task(
            MlsdDetectorTest.DATA.resolve("faces_176x100.png"),
            "{\"method\": \"mediapipe_face\", \"args\": {\"max_faces\": 2, \"min_confidence\": 90}}");

    ControlNetInput input =
        ControlNetInput.fromTask(task, new ModelLibrary(models))
            .orElseThrow()
            .preprocess(MlsdDetectorTest.OPTIONS);

    assertThat(input.image().rgb()).isEqualTo(MlsdDetectorTest.png("faces_176x100_n2_c90").rgb());
  }

  @Test
  void aMissingLandmarkModelIsNamedWhenTheTaskIsPrepared(@TempDir Path models) throws Exception {
    Path annotators = Files.createDirectories(models.resolve("annotators"));
    Files.copy(DETECTOR, annotators.resolve(MediapipeFaceDetector.DETECTOR_FILE));
    TaskArgs task =
        AnnotatorTestData.task(
            MlsdDetectorTest.DATA.resolve("faces_176x100.png"), "{\"method\": \"mediapipe_face\"}");

    assertThatThrownBy(() -> ControlNetInput.fromTask(task, new ModelLibrary(models)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/" + MediapipeFaceDetector.LANDMARK_FILE);
  }
}

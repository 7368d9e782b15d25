package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link MediapipeFaceDetector} on MediaPipe's real models, converted by {@code
 * tools/annotators/mlsd_face.py export}: run by hand with {@code -Dmediapipe.models=MODELS}, a
 * models folder holding {@code annotators/face_detection_short_range.onnx}, {@code
 * annotators/face_landmark_with_attention.onnx} and the {@code mediapipe-check/} folder that {@code
 * mlsd_face.py reference --real-models MODELS --images IMAGES} writes (each image, the NumPy port's
 * map and face count with the same ONNX files). The files are not committed (the landmark model is
 * 4.8 MB), so CI skips this test.
 */
@EnabledIfSystemProperty(named = "mediapipe.models", matches = ".+")
class MediapipeFaceRealModelsTest {

  /** Pixels (of the map) where float differences between runtimes may move a line by a pixel. */
  private static final double MAX_DIFFERING_FRACTION = 0.002;

  @Test
  void theJavaDetectorFindsAndDrawsTheFacesThePythonPortDoes() throws IOException {
    Path models = Path.of(System.getProperty("mediapipe.models"));
    Path annotators = models.resolve("annotators");
    Path check = models.resolve("mediapipe-check");
    List<Path> expectedMaps;
    try (Stream<Path> files = Files.list(check)) {
      expectedMaps =
          files.filter(p -> p.getFileName().toString().endsWith(".expected.png")).sorted().toList();
    }
    assertThat(expectedMaps).as("maps in %s", check).isNotEmpty();
    MediapipeFaceDetector detector =
        new MediapipeFaceDetector(
            3,
            50,
            annotators.resolve(MediapipeFaceDetector.DETECTOR_FILE),
            annotators.resolve(MediapipeFaceDetector.LANDMARK_FILE));
    int totalFaces = 0;
    for (Path expectedMap : expectedMaps) {
      String name = expectedMap.getFileName().toString().replace(".expected.png", "");
      ControlImage image = ControlImage.decode(Files.readAllBytes(check.resolve(name + ".png")));
      ControlImage expected = ControlImage.decode(Files.readAllBytes(expectedMap));
      int expectedFaces = Integer.parseInt(Files.readString(check.resolve(name + ".faces")).trim());

      int faces =
          detector.faces(AnnotatorImages.pad64(image).image(), MlsdDetectorTest.OPTIONS).size();
      ControlImage drawn = detector.apply(image, MlsdDetectorTest.OPTIONS);

      int differing = differingPixels(drawn.rgb(), expected.rgb());
      System.out.printf(
          "mediapipe_face %s %dx%d: %d faces (python %d), %d drawn pixels, %d differing%n",
          name,
          image.width(),
          image.height(),
          faces,
          expectedFaces,
          drawnPixels(expected.rgb()),
          differing);
      assertThat(faces).as(name).isEqualTo(expectedFaces);
      assertThat(drawn.width()).isEqualTo(image.width());
      assertThat(drawn.height()).isEqualTo(image.height());
      assertThat(differing)
          .as(name)
          .isLessThanOrEqualTo((int) (MAX_DIFFERING_FRACTION * image.width() * image.height()));
      totalFaces += faces;
    }
    assertThat(totalFaces).as("faces in all the images").isPositive();
  }

  private static int differingPixels(byte[] a, byte[] b) {
    int count = 0;
    for (int i = 0; i < a.length; i += 3) {
      count += a[i] != b[i] || a[i + 1] != b[i + 1] || a[i + 2] != b[i + 2] ? 1 : 0;
    }
    return count;
  }

  private static int drawnPixels(byte[] rgb) {
    int count = 0;
    for (int i = 0; i < rgb.length; i += 3) {
      count += rgb[i] != 0 || rgb[i + 1] != 0 || rgb[i + 2] != 0 ? 1 : 0;
    }
    return count;
  }
}

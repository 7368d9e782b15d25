package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;

/**
 * What the annotators' tests read from the reference data of {@code tools/annotators/}: PNG images,
 * raw little-endian float32 arrays, and the ControlNet task that preprocesses a test image.
 */
public final class AnnotatorTestData {

  private AnnotatorTestData() {}

  /** The PNG file {@code file} as a control image. */
  public static ControlImage png(Path file) throws IOException {
    return ControlImage.decode(Files.readAllBytes(file));
  }

  /** The little-endian float32 values in {@code file} (numpy's {@code astype("<f4").tofile}). */
  public static float[] floats(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(values);
    return values;
  }

  /**
   * A task whose control image is the PNG file {@code image}, preprocessed by {@code preprocess}
   * (the JSON of its {@code controlnet.preprocess}).
   */
  public static TaskArgs task(Path image, String preprocess) throws Exception {
    String url =
        "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(image));
    String json =
        "{\"base_model\": \"m\", \"prompt\": \"p\", \"task_config\": {\"seed\": 5},"
            + " \"controlnet\": {\"model\": \"c\", \"image_dataurl\": \""
            + url
            + "\", \"preprocess\": "
            + preprocess
            + "}}";
    return Tasks.parse(json.getBytes(StandardCharsets.UTF_8)).args();
  }
}

package network.hydrogen.engine.controlnet;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;

/** The task the annotators' end-to-end tests run: a ControlNet task preprocessing a test image. */
final class AnnotatorTask {

  private AnnotatorTask() {}

  /**
   * A task whose control image is the PNG file {@code image}, preprocessed by {@code preprocess}
   * (the JSON of its {@code controlnet.preprocess}).
   */
  static TaskArgs of(Path image, String preprocess) throws Exception {
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

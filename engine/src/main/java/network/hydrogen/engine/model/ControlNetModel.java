package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A ControlNet's files: a diffusers {@code ControlNetModel} folder ({@code config.json} and {@code
 * diffusion_pytorch_model.safetensors} or a sharded index, optionally a variant such as {@code
 * fp16}), its parsed config and its weights, checked against {@link ParameterLayout}.
 */
public record ControlNetModel(Path source, ControlNetConfig config, WeightSource weights) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Opens the ControlNet folder {@code folder} with no variant. */
  public static ControlNetModel open(Path folder) throws IOException {
    return open(folder, null);
  }

  /**
   * Opens the ControlNet folder {@code folder}, preferring the weights of {@code variant} (null or
   * empty for the plain ones).
   *
   * @throws ModelFormatException when the folder is no diffusers ControlNet or its weights do not
   *     match its config
   */
  public static ControlNetModel open(Path folder, String variant) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(
          folder,
          "is not a folder: a ControlNet must be a diffusers ControlNetModel folder (config.json"
              + " and diffusion_pytorch_model.safetensors); single-file ControlNets are not"
              + " supported yet");
    }
    Path configFile = folder.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(folder, "has no config.json (a diffusers ControlNetModel)");
    }
    JsonNode json = JSON.readTree(configFile.toFile());
    String type = json.path("_class_name").asText("ControlNetModel");
    if (!type.equals("ControlNetModel")) {
      throw new ModelFormatException(
          configFile, "describes a " + type + ", not a ControlNetModel (SD 1.x/2.x ControlNet)");
    }
    ControlNetConfig config = ControlNetConfig.parse(json, configFile.toString());
    WeightSource weights = ModelFiles.folderWeights(folder, variant);
    ParameterLayout.check("ControlNet", ParameterLayout.controlNetShapes(config), weights);
    return new ControlNetModel(folder, config, weights);
  }
}

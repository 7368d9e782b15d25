package network.hydrogen.engine.library;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import network.hydrogen.engine.model.ModelFiles;

/**
 * Which files of a Hugging Face repo a task needs, from the repo's file list: of a diffusers
 * pipeline ({@code model_index.json}) its index and each component's configs, tokenizer and
 * scheduler files and safetensors weights (of the task's variant, else full precision); of a
 * component repo ({@code config.json}) its config and weights; else one weights file.
 */
final class HubFiles {

  /** The components whose weights the engine reads; a safety checker's are never fetched. */
  private static final Set<String> WEIGHT_COMPONENTS =
      Set.of("text_encoder", "text_encoder_2", "unet", "vae");

  static final String MODEL_INDEX = "model_index.json";
  static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

  private HubFiles() {}

  /** What the repo's layout is, and so what is opened: the repo folder or one file in it. */
  sealed interface Layout {}

  /** A diffusers pipeline: the folder is opened. */
  record Pipeline() implements Layout {}

  /** One diffusers component (a VAE, UNet, ControlNet): the folder is opened. */
  record Component(List<String> files) implements Layout {}

  /** One weights file: the file is opened. */
  record SingleFile(String file) implements Layout {}

  /**
   * The layout of the repo {@code name} with the files {@code files} for a {@code kind} of model.
   *
   * @throws ModelNotFoundException when the repo has no weights the engine can read, or several
   *     weights files and no name of the one to use
   */
  static Layout layout(
      ModelKind kind, String name, List<String> files, Optional<String> variant, String fileName) {
    if (!kind.isAdapter() && files.contains(MODEL_INDEX)) {
      return new Pipeline();
    }
    if (!kind.isAdapter() && files.contains("config.json")) {
      List<String> wanted = new ArrayList<>(List.of("config.json"));
      wanted.add(weights(name, "", files, variant));
      if (kind == ModelKind.SAFETY_CHECKER && files.contains(PREPROCESSOR_CONFIG)) {
        wanted.add(PREPROCESSOR_CONFIG);
      }
      return new Component(wanted);
    }
    if (!fileName.isEmpty()) {
      if (!files.contains(fileName)) {
        throw new ModelNotFoundException(
            kind.label() + " " + name + " has no file " + fileName + " (it has " + files + ")");
      }
      return new SingleFile(fileName);
    }
    for (String preferred : kind.preferredFiles()) {
      if (files.contains(preferred)) {
        return new SingleFile(preferred);
      }
    }
    List<String> safetensors =
        files.stream().filter(f -> !f.contains("/") && f.endsWith(".safetensors")).toList();
    if (safetensors.size() != 1) {
      throw new ModelNotFoundException(
          kind.label()
              + " "
              + name
              + ": the repo has "
              + safetensors.size()
              + " .safetensors files at its top"
              + (safetensors.isEmpty() ? "" : " " + safetensors)
              + (kind.isAdapter() ? "; name the file to use (weight_file_name)" : "")
              + (safetensors.isEmpty()
                  ? " and is no diffusers model (no model_index.json or config.json)"
                  : ""));
    }
    return new SingleFile(safetensors.getFirst());
  }

  /**
   * The files of a pipeline whose {@code model_index.json} is {@code index}: per listed component
   * its {@code .json} and {@code .txt} files and, for the networks the engine runs, its weights.
   */
  static List<String> pipelineFiles(
      String name, JsonNode index, List<String> files, Optional<String> variant) {
    List<String> wanted = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = index.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String component = entry.getKey();
      JsonNode value = entry.getValue();
      if (component.startsWith("_")
          || !value.isArray()
          || value.size() != 2
          || value.get(0).isNull()
          || value.get(1).isNull()) {
        continue;
      }
      String prefix = component + "/";
      for (String file : files) {
        if (file.startsWith(prefix)
            && file.indexOf('/', prefix.length()) < 0
            && (file.endsWith(".txt") || file.endsWith(".json") && !isWeightIndex(file))) {
          wanted.add(file);
        }
      }
      if (WEIGHT_COMPONENTS.contains(component)) {
        wanted.add(weights(name, prefix, files, variant));
      }
    }
    return wanted;
  }

  /** The shard files a weights index {@code index} (its {@code weight_map}) lists. */
  static List<String> shards(String indexFile, JsonNode index) {
    JsonNode map = index.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new ModelNotFoundException(indexFile + " has no \"weight_map\" object");
    }
    String folder = indexFile.substring(0, indexFile.lastIndexOf('/') + 1);
    List<String> shards = new ArrayList<>();
    map.elements()
        .forEachRemaining(
            shard -> {
              String file = folder + shard.asText();
              if (!shards.contains(file)) {
                shards.add(file);
              }
            });
    return shards;
  }

  static boolean isWeightIndex(String file) {
    return file.contains(".safetensors.index") || file.contains(".bin.index");
  }

  /** The weights file of the component folder {@code prefix} ("" for the top) to fetch. */
  private static String weights(
      String name, String prefix, List<String> files, Optional<String> variant) {
    for (String candidate : ModelFiles.weightFileNames(variant.orElse(null))) {
      if (files.contains(prefix + candidate)) {
        return prefix + candidate;
      }
    }
    throw new ModelNotFoundException(
        "model "
            + name
            + " has no safetensors weights"
            + (prefix.isEmpty() ? "" : " in " + prefix)
            + " (expected one of "
            + ModelFiles.weightFileNames(variant.orElse(null))
            + "; pickled .bin weights are not read)");
  }
}

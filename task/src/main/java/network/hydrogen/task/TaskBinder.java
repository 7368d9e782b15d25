package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/** Builds the {@link TaskArgs} records from a checked canonical tree (every default present). */
final class TaskBinder {
  private TaskBinder() {}

  static TaskArgs bind(JsonNode task) {
    return new TaskArgs(
        task.get("version").textValue(),
        new TaskArgs.BaseModel(
            task.get("base_model").get("name").textValue(),
            text(task.get("base_model"), "variant")),
        TaskArgs.Dtype.of(task.get("dtype").textValue()),
        task.get("unet").textValue(),
        task.get("prompt").textValue(),
        task.get("negative_prompt").textValue(),
        taskConfig(task.get("task_config")),
        section(task, "lora", TaskBinder::lora),
        section(task, "controlnet", TaskBinder::controlnet),
        new TaskArgs.Scheduler(
            TaskArgs.SchedulerMethod.of(task.get("scheduler").get("method").textValue()),
            values(task.get("scheduler").get("args"))),
        task.get("vae").textValue(),
        section(task, "refiner", TaskBinder::refiner),
        task.get("textual_inversion").textValue());
  }

  private static TaskArgs.TaskConfig taskConfig(JsonNode config) {
    return new TaskArgs.TaskConfig(
        config.get("image_width").intValue(),
        config.get("image_height").intValue(),
        config.get("steps").intValue(),
        config.get("seed").intValue(),
        config.get("num_images").intValue(),
        config.get("safety_checker").booleanValue(),
        config.get("cfg").doubleValue());
  }

  private static TaskArgs.Lora lora(JsonNode lora) {
    return new TaskArgs.Lora(
        lora.get("model").textValue(),
        lora.get("weight_file_name").textValue(),
        lora.get("weight").intValue());
  }

  private static TaskArgs.ControlNet controlnet(JsonNode controlnet) {
    return new TaskArgs.ControlNet(
        controlnet.get("model").textValue(),
        text(controlnet, "variant"),
        controlnet.get("image_dataurl").textValue(),
        controlnet.get("weight").intValue(),
        section(controlnet, "preprocess", TaskBinder::preprocess));
  }

  private static TaskArgs.Preprocess preprocess(JsonNode preprocess) {
    TaskArgs.PreprocessMethod method =
        TaskArgs.PreprocessMethod.of(preprocess.get("method").textValue());
    JsonNode args = preprocess.get("args");
    return switch (method) {
      case CANNY ->
          new TaskArgs.Preprocess.Canny(
              args.get("low_threshold").intValue(), args.get("high_threshold").intValue());
      case MLSD ->
          new TaskArgs.Preprocess.Mlsd(args.get("thr_v").intValue(), args.get("thr_d").intValue());
      case SCRIBBLE_PIDINET, SOFTEDGE_PIDINET, SCRIBBLE_PIDISAFE, SOFTEDGE_PIDISAFE ->
          new TaskArgs.Preprocess.PidiNet(method, args.get("apply_filter").booleanValue());
      case DEPTH_ZOE ->
          new TaskArgs.Preprocess.DepthZoe(args.get("gamma_corrected").booleanValue());
      case DEPTH_LERES, DEPTH_LERES_PLUS_PLUS ->
          new TaskArgs.Preprocess.Leres(
              method, args.get("thr_a").intValue(), args.get("thr_b").intValue());
      case SHUFFLE ->
          new TaskArgs.Preprocess.Shuffle(
              optionalInt(args, "h"), optionalInt(args, "w"), optionalInt(args, "f"));
      case MEDIAPIPE_FACE ->
          new TaskArgs.Preprocess.MediapipeFace(
              args.get("max_faces").intValue(), args.get("min_confidence").intValue());
      case SCRIBBLE_HED,
          SOFTEDGE_HED,
          SCRIBBLE_HEDSAFE,
          SOFTEDGE_HEDSAFE,
          DEPTH_MIDAS,
          OPENPOSE,
          OPENPOSE_FACE,
          OPENPOSE_FACEONLY,
          OPENPOSE_FULL,
          OPENPOSE_HAND,
          DWPOSE,
          NORMAL_BAE,
          LINEART_COARSE,
          LINEART_REALISTIC,
          LINEART_ANIME ->
          new TaskArgs.Preprocess.Plain(method);
    };
  }

  private static OptionalInt optionalInt(JsonNode parent, String name) {
    JsonNode value = parent.get(name);
    return value == null ? OptionalInt.empty() : OptionalInt.of(value.intValue());
  }

  private static TaskArgs.Refiner refiner(JsonNode refiner) {
    return new TaskArgs.Refiner(
        refiner.get("model").textValue(),
        text(refiner, "variant"),
        refiner.get("denoising_cutoff").intValue(),
        refiner.get("steps").intValue());
  }

  private static <T> Optional<T> section(JsonNode parent, String name, Function<JsonNode, T> bind) {
    return Optional.ofNullable(parent.get(name)).map(bind);
  }

  private static Optional<String> text(JsonNode parent, String name) {
    return section(parent, name, JsonNode::textValue);
  }

  /** Scheduler args as Java values: integers as Integer, other numbers as Double. */
  private static Map<String, Object> values(JsonNode args) {
    Map<String, Object> values = new LinkedHashMap<>();
    args.properties().forEach(e -> values.put(e.getKey(), value(e.getValue())));
    return Collections.unmodifiableMap(values);
  }

  private static Object value(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.intValue();
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    return value.textValue();
  }
}

package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Creates a {@link Scheduler} from a method name, a model's scheduler config and task args. */
public final class Schedulers {

  /** The method names accepted, as diffusers names their classes. */
  public static final List<String> METHODS =
      List.of(
          DpmSolverMultistepScheduler.METHOD,
          EulerDiscreteScheduler.METHOD,
          EulerAncestralDiscreteScheduler.METHOD,
          DdimScheduler.METHOD,
          LcmScheduler.METHOD);

  private Schedulers() {}

  /**
   * Resolves the configuration as diffusers' {@code Method.from_config(modelConfig, **args)}: the
   * method's defaults, then the fields of {@code modelConfig} (the model's {@code
   * scheduler_config.json}, often written for another method) that the method knows, then {@code
   * args} (the task's {@code scheduler.args}).
   *
   * @param modelConfig the model's scheduler config; null for the method's defaults
   * @param args settings to override; null or empty for none
   * @throws IllegalArgumentException for an unknown method, an arg the method does not know, a
   *     value of the wrong type or out of range, or a diffusers option this engine does not offer
   */
  public static Scheduler create(String method, JsonNode modelConfig, JsonNode args) {
    if (method == null) {
      throw new IllegalArgumentException(
          "scheduler method is missing; expected one of " + String.join(", ", METHODS));
    }
    return switch (method) {
      case DpmSolverMultistepScheduler.METHOD -> new DpmSolverMultistepScheduler(modelConfig, args);
      case EulerDiscreteScheduler.METHOD -> new EulerDiscreteScheduler(modelConfig, args);
      case EulerAncestralDiscreteScheduler.METHOD ->
          new EulerAncestralDiscreteScheduler(modelConfig, args);
      case DdimScheduler.METHOD -> new DdimScheduler(modelConfig, args);
      case LcmScheduler.METHOD -> new LcmScheduler(modelConfig, args);
      default ->
          throw new IllegalArgumentException(
              "unknown scheduler method '"
                  + method
                  + "'; expected one of "
                  + String.join(", ", METHODS));
    };
  }
}

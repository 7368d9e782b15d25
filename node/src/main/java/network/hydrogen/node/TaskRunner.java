package network.hydrogen.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.task.ValidTask;

/**
 * Runs a task's inference for the node: {@link EngineRunner} with the engine; tests wrap it (a
 * cheating node, a node that stalls).
 */
@FunctionalInterface
public interface TaskRunner extends AutoCloseable {

  /**
   * Runs {@code task}, writes its images as PNG files {@code 0.png}, {@code 1.png}, ... into {@code
   * dir} (which exists) and returns them in order. Interrupting the thread cancels it.
   *
   * @throws TaskRejectedException when the task itself is at fault (a model that is not in the
   *     models folder, something the engine cannot run): the node reports it as a task error
   * @throws IOException when a file cannot be read or written
   */
  List<Path> run(ValidTask task, Path dir, GenerationListener progress) throws IOException;

  /** Releases what the runner keeps between tasks (the engine's open networks); by default none. */
  @Override
  default void close() {}
}

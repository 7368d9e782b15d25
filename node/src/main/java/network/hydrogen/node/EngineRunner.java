package network.hydrogen.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.PreparedTask;
import network.hydrogen.engine.pipeline.UnsupportedTaskException;
import network.hydrogen.task.ValidTask;

/**
 * Runs tasks with the engine on the models folder: a model that is not there or is malformed is
 * reported as {@code MODEL_DOWNLOAD_FAILED}, a task the engine cannot run as {@code INVALID_TASK}.
 */
public record EngineRunner(ModelLibrary library, InferenceOptions options) implements TaskRunner {

  @Override
  public List<Path> run(ValidTask task, Path dir, GenerationListener progress) throws IOException {
    PreparedTask prepared;
    try {
      prepared = PreparedTask.prepare(task.args(), library);
    } catch (ModelNotFoundException | ModelFormatException e) {
      throw new TaskRejectedException(
          new TaskResult.Error(TaskResult.Error.MODEL_DOWNLOAD_FAILED), e.getMessage());
    } catch (UnsupportedTaskException e) {
      throw new TaskRejectedException(
          new TaskResult.Error(TaskResult.Error.INVALID_TASK), e.getMessage());
    }
    GeneratedImages images = prepared.run(options, progress);
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < images.count(); i++) {
      Path file = dir.resolve(i + ".png");
      try (OutputStream out = Files.newOutputStream(file)) {
        images.writePng(i, out);
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      files.add(file);
    }
    return files;
  }
}

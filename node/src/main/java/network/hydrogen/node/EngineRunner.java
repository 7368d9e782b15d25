package network.hydrogen.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelDownloadException;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.library.ModelSource;
import network.hydrogen.engine.library.ModelStore;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.PipelineCache;
import network.hydrogen.engine.pipeline.PreparedTask;
import network.hydrogen.engine.pipeline.UnsupportedTaskException;
import network.hydrogen.task.ValidTask;

/**
 * Runs tasks with the engine on the models folder, downloading what it lacks into a cache when the
 * node has one: a model that cannot be had (not there, a failed download, a malformed file) is
 * reported as {@code MODEL_DOWNLOAD_FAILED}, a task the engine cannot run as {@code INVALID_TASK}.
 * The networks of the last task stay open in {@code pipelines} for the next (a task on the same
 * model with another LoRA rebuilds only what the LoRA patches); {@link #close()} closes them.
 */
public record EngineRunner(
    ModelLibrary library,
    Optional<ModelStore> store,
    InferenceOptions options,
    PipelineCache pipelines)
    implements TaskRunner {

  /** A runner with its own pipeline cache. */
  public EngineRunner(ModelLibrary library, Optional<ModelStore> store, InferenceOptions options) {
    this(library, store, options, new PipelineCache());
  }

  /** A runner on the models folder alone. */
  public EngineRunner(ModelLibrary library, InferenceOptions options) {
    this(library, Optional.empty(), options);
  }

  @Override
  public void close() {
    pipelines.close();
  }

  @Override
  public List<Path> run(ValidTask task, Path dir, GenerationListener progress) throws IOException {
    if (store.isEmpty()) {
      return run(task, library, dir, progress);
    }
    try (ModelStore.Lease lease = store.get().lease()) {
      return run(task, lease, dir, progress);
    }
  }

  private List<Path> run(ValidTask task, ModelSource models, Path dir, GenerationListener progress)
      throws IOException {
    PreparedTask prepared;
    try {
      prepared = PreparedTask.prepare(task.args(), models);
    } catch (ModelNotFoundException | ModelDownloadException | ModelFormatException e) {
      throw new TaskRejectedException(
          new TaskResult.Error(TaskResult.Error.MODEL_DOWNLOAD_FAILED), e.getMessage());
    } catch (UnsupportedTaskException e) {
      throw new TaskRejectedException(
          new TaskResult.Error(TaskResult.Error.INVALID_TASK), e.getMessage());
    }
    GeneratedImages images = prepared.run(pipelines, options, progress);
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

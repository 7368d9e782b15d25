package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import network.hydrogen.engine.embedding.TextualInversion;
import network.hydrogen.engine.library.ModelKind;
import network.hydrogen.engine.library.ModelSource;
import network.hydrogen.engine.lora.Lora;
import network.hydrogen.engine.lora.LoraFile;
import network.hydrogen.task.TaskArgs;

/**
 * What {@link TextToImage#load} applies on top of a base model: LoRAs merged into the UNet and text
 * encoder weights, textual inversion embeddings added to the tokenizer and text encoder. Neither
 * copies nor re-reads the base model, so switching adapters costs only new sessions.
 */
public record Adapters(List<Lora> loras, List<TextualInversion> embeddings) {

  /** No adapters: the base model as it is. */
  public static final Adapters NONE = new Adapters(List.of(), List.of());

  public Adapters {
    loras = List.copyOf(loras);
    embeddings = List.copyOf(embeddings);
  }

  /**
   * The adapters a task asks for, their files found in {@code models}: the task's {@code lora} (its
   * {@code weight} in percent is the scale: 80 is 0.8) and {@code textual_inversion} (its token is
   * the file's own).
   *
   * @throws network.hydrogen.engine.library.ModelNotFoundException when a file is not there
   * @throws network.hydrogen.engine.model.ModelFormatException when a file is no LoRA or embedding
   */
  public static Adapters fromTask(TaskArgs task, ModelSource models) throws IOException {
    List<Lora> loras = new ArrayList<>();
    if (task.lora().isPresent()) {
      TaskArgs.Lora lora = task.lora().get();
      LoraFile file =
          LoraFile.open(models.adapterFile(ModelKind.LORA, lora.model(), lora.weightFileName()));
      loras.add(new Lora(file, lora.weight() / 100.0));
    }
    List<TextualInversion> embeddings = new ArrayList<>();
    if (!task.textualInversion().isEmpty()) {
      embeddings.add(
          TextualInversion.read(
              models.adapterFile(ModelKind.EMBEDDING, task.textualInversion(), ""), null));
    }
    return new Adapters(loras, embeddings);
  }
}

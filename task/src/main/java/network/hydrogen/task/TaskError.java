package network.hydrogen.task;

/**
 * One thing wrong with a task.
 *
 * @param path the JSON path of the field, dot-separated ({@code task_config.steps}); empty when the
 *     problem is the document itself (not JSON, too large, too deep)
 * @param message what was expected and what was found ({@code must be 1..100, was 150})
 */
public record TaskError(String path, String message) {

  /** {@code path: message}, or the message alone for the document itself. */
  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}

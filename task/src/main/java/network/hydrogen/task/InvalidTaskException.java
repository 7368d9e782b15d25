package network.hydrogen.task;

import java.util.List;

/** A task that is not valid, with everything wrong with it (not only the first error). */
public final class InvalidTaskException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<TaskError> errors;

  InvalidTaskException(List<TaskError> errors) {
    super("invalid task: " + String.join("; ", errors.stream().map(TaskError::toString).toList()));
    this.errors = List.copyOf(errors);
  }

  /** Every error found, in field order; never empty. */
  public List<TaskError> errors() {
    return errors;
  }
}

package network.hydrogen.node;

import network.hydrogen.chain.TaskResult;

/**
 * A task the node cannot run through no fault of its own; it discloses {@code error} (an error code
 * of {@link TaskResult.Error}) instead of images, so that nodes that agree on it are not slashed.
 */
public final class TaskRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient TaskResult.Error error;

  public TaskRejectedException(TaskResult.Error error, String message) {
    super(message);
    this.error = error;
  }

  public TaskResult.Error error() {
    return error;
  }
}

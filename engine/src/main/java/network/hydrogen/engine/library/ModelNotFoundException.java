package network.hydrogen.engine.library;

/**
 * A model a task names that is not in the local models folder; the message says where it looked.
 */
public final class ModelNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }
}

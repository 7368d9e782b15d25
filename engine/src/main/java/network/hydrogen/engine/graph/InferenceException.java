package network.hydrogen.engine.graph;

/**
 * ONNX Runtime failed to create or run a network session (the message names the network), or it
 * cannot run the requested execution provider or precision (the message says what is missing).
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InferenceException(String message) {
    super(message);
  }

  public InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}

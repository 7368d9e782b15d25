package network.hydrogen.engine.pipeline;

/** A valid task that asks for something this engine cannot run yet; the message names it. */
public final class UnsupportedTaskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedTaskException(String message) {
    super(message);
  }
}

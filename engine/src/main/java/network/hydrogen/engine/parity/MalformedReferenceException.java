package network.hydrogen.engine.parity;

/** A reference folder that lacks something the index promises; the message says what. */
public final class MalformedReferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedReferenceException(String message) {
    super(message);
  }
}

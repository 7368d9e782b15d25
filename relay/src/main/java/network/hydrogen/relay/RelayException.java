package network.hydrogen.relay;

/** A refused request: the HTTP status and a message naming what is wrong. */
public final class RelayException extends RuntimeException {
  private final int status;

  public RelayException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }
}

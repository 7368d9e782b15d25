package network.hydrogen.bridge;

/** A request the bridge refuses: the HTTP status and a message that says what is wrong. */
final class BridgeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  BridgeException(int status, String message) {
    super(message);
    this.status = status;
  }

  int status() {
    return status;
  }
}

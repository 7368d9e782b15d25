package network.hydrogen.chain;

/**
 * A chain call or transaction that failed: a revert (with the contract's error decoded by name), an
 * RPC error, or a transaction that was not mined in time.
 */
public final class ChainException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ChainException(String message) {
    super(message);
  }

  public ChainException(String message, Throwable cause) {
    super(message, cause);
  }
}

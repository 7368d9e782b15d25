package network.hydrogen.chain;

/** A node's state in the Node contract (same order as the Solidity enum). */
public enum NodeStatus {
  QUIT,
  AVAILABLE,
  BUSY,
  PENDING_PAUSE,
  PENDING_QUIT,
  PAUSED;

  static NodeStatus of(int ordinal) {
    return values()[ordinal];
  }
}

package network.hydrogen.chain;

/** How a node's part in a task ended (same order as the Solidity enum). */
public enum Outcome {
  PAID,
  FREED,
  SLASHED,
  PENALISED
}

package network.hydrogen.chain;

/** Where one selected node stands in a task (same order as the Solidity enum). */
public enum NodePart {
  SELECTED,
  COMMITTED,
  DISCLOSED,
  SETTLED
}

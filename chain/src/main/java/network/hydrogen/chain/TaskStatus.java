package network.hydrogen.chain;

/** A task's state in the Task contract (same order as the Solidity enum). */
public enum TaskStatus {
  NONE,
  COMMITTING,
  DISCLOSING,
  SUCCESS,
  ABORTED
}

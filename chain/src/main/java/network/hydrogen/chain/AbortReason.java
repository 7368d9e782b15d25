package network.hydrogen.chain;

/** Why a task was aborted, in words for people (same order as the Solidity enum). */
public enum AbortReason {
  RESULTS_DISAGREE("no two nodes' results agree"),
  TASK_ERROR("two nodes reported the same task error"),
  COMMIT_TIMEOUT("a node did not commit its result in time"),
  DISCLOSE_TIMEOUT("a node did not disclose its result in time");

  private final String words;

  AbortReason(String words) {
    this.words = words;
  }

  public String words() {
    return words;
  }
}

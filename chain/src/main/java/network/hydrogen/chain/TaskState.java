package network.hydrogen.chain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * A task as the Task contract records it: creator, status, the index of the result node (in {@code
 * nodes}, meaningful on success), whether the images were uploaded, the current stage's deadline,
 * the fee per node, the three selected nodes and where each stands.
 */
public record TaskState(
    String creator,
    TaskStatus status,
    int resultIndex,
    boolean uploaded,
    Instant deadline,
    BigInteger feePerNode,
    List<String> nodes,
    List<NodePart> parts) {
  public TaskState {
    nodes = List.copyOf(nodes);
    parts = List.copyOf(parts);
  }
}

package network.hydrogen.node;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import network.hydrogen.chain.NodeStatus;

/**
 * A node at one moment, as its WebUI shows it.
 *
 * @param activity what the daemon is doing, in words ("waiting for tasks", "running task 12")
 * @param status the node's state in the Node contract ({@code QUIT} before joining)
 * @param wallet the node's address and balances
 * @param gpu the GPU the node declares
 * @param task the task being run, if any
 * @param history the tasks run, newest first
 * @param logs the latest log entries, oldest first
 */
public record NodeSnapshot(
    String activity,
    NodeStatus status,
    Wallet wallet,
    Gpu gpu,
    Optional<CurrentTask> task,
    List<TaskRecord> history,
    List<NodeLogEntry> logs) {

  public NodeSnapshot {
    history = List.copyOf(history);
    logs = List.copyOf(logs);
  }

  /** The node's address and balances in wei: ether for gas, CNX held and CNX staked. */
  public record Wallet(String address, BigInteger ether, BigInteger cnx, BigInteger staked) {}

  /** The GPU the node declares when it joins: its name and memory in bytes. */
  public record Gpu(String name, long vramBytes) {}

  /**
   * The task being run.
   *
   * @param stage the step of the protocol it is at, in words ("running the engine", "committing")
   * @param step the denoising steps done, when the engine runs
   * @param totalSteps the denoising steps in all, 0 before the engine runs
   */
  public record CurrentTask(
      BigInteger taskId, String stage, int step, int totalSteps, Instant started) {}

  /**
   * A task the node took part in.
   *
   * @param outcome how it ended for this node, in words ("paid", "slashed", "aborted: ...")
   * @param earned the CNX (in wei) it earned; negative when it was slashed
   */
  public record TaskRecord(
      BigInteger taskId, Instant started, Instant ended, String outcome, BigInteger earned) {}
}

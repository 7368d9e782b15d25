package network.hydrogen.node.webui;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.node.NodeControl;
import network.hydrogen.node.NodeListener;
import network.hydrogen.node.NodeLogEntry;
import network.hydrogen.node.NodeSnapshot;

/**
 * A NodeControl whose requests change its status at once (as the contract would) and tell the
 * listeners, for testing the WebUI without a chain.
 */
final class FakeNode implements NodeControl {
  static final BigInteger CNX = BigInteger.TEN.pow(18);

  private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();
  private final List<NodeLogEntry> logs = new ArrayList<>();
  private final List<NodeSnapshot.TaskRecord> history = new ArrayList<>();
  private NodeStatus status = NodeStatus.QUIT;
  private String activity = "not in the network";
  private BigInteger staked = BigInteger.ZERO;
  private Optional<NodeSnapshot.CurrentTask> task = Optional.empty();
  private String refusal;
  final List<String> requests = new CopyOnWriteArrayList<>();

  @Override
  public synchronized NodeSnapshot snapshot() {
    return new NodeSnapshot(
        activity,
        status,
        new NodeSnapshot.Wallet(
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            new BigInteger("1234500000000000000"),
            new BigInteger("1000").multiply(CNX).subtract(staked),
            staked),
        new NodeSnapshot.Gpu("NVIDIA GeForce RTX 4090", 24L << 30),
        task,
        history,
        logs);
  }

  @Override
  public void join() {
    request("join", NodeStatus.AVAILABLE, "waiting for tasks", new BigInteger("100").multiply(CNX));
  }

  @Override
  public void pause() {
    request("pause", NodeStatus.PAUSED, "paused", null);
  }

  @Override
  public void resume() {
    request("resume", NodeStatus.AVAILABLE, "waiting for tasks", null);
  }

  @Override
  public void quit() {
    request("quit", NodeStatus.QUIT, "not in the network", BigInteger.ZERO);
  }

  @Override
  public AutoCloseable subscribe(NodeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  int listenerCount() {
    return listeners.size();
  }

  /** Makes the next request fail as a daemon would when it cannot do it now. */
  synchronized void refuseNext(String why) {
    refusal = why;
  }

  /** Puts the node at a step of a task, in the BUSY state. */
  void runTask(BigInteger taskId, String stage, int step, int totalSteps) {
    synchronized (this) {
      status = NodeStatus.BUSY;
      activity = "running task " + taskId;
      task =
          Optional.of(new NodeSnapshot.CurrentTask(taskId, stage, step, totalSteps, Instant.now()));
    }
    changed();
  }

  /** Ends the current task with {@code outcome} and {@code earned} wei, back to AVAILABLE. */
  void endTask(String outcome, BigInteger earned) {
    synchronized (this) {
      NodeSnapshot.CurrentTask done = task.orElseThrow();
      history.addFirst(
          new NodeSnapshot.TaskRecord(
              done.taskId(), done.started(), Instant.now(), outcome, earned));
      task = Optional.empty();
      status = NodeStatus.AVAILABLE;
      activity = "waiting for tasks";
    }
    changed();
  }

  /** Logs {@code message}, telling the listeners of the entry and of the new snapshot. */
  void log(NodeLogEntry.Level level, String message) {
    NodeLogEntry entry = new NodeLogEntry(Instant.now(), level, message);
    synchronized (this) {
      logs.add(entry);
    }
    listeners.forEach(l -> l.onLog(entry));
  }

  private void request(String name, NodeStatus to, String doing, BigInteger stake) {
    requests.add(name);
    synchronized (this) {
      if (refusal != null) {
        String why = refusal;
        refusal = null;
        throw new IllegalStateException(why);
      }
      status = to;
      activity = doing;
      if (stake != null) {
        staked = stake;
      }
    }
    log(NodeLogEntry.Level.INFO, name + " done");
    changed();
  }

  private void changed() {
    NodeSnapshot now = snapshot();
    listeners.forEach(l -> l.onSnapshot(now));
  }
}

package network.hydrogen.node;

/**
 * What the WebUI and the headless runner see of a running node and may ask of it. Requests return
 * at once; their effect (and any failure, explained in words) shows in later snapshots and logs.
 * Pause and quit asked while a task runs take effect when the task ends, as on chain.
 */
public interface NodeControl {

  /** The node as it is now. */
  NodeSnapshot snapshot();

  /** Joins the network: approves and stakes the Node contract's stake amount. */
  void join();

  /** Stops taking new tasks (after the running one, if any). */
  void pause();

  /** Takes tasks again after a pause. */
  void resume();

  /** Leaves the network (after the running one, if any) and gets the stake back. */
  void quit();

  /**
   * Tells {@code listener} of every new snapshot and log entry until the returned handle is closed;
   * the listener is called from the node's threads and must not block.
   */
  AutoCloseable subscribe(NodeListener listener);
}

package network.hydrogen.node;

/** Told of a node's changes, for live views such as the WebUI's event stream. */
public interface NodeListener {

  /** The node changed: its state, balances, current task or progress. */
  void onSnapshot(NodeSnapshot snapshot);

  /** Something happened that a person running the node should be able to read. */
  void onLog(NodeLogEntry entry);
}

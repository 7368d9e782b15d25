package network.hydrogen.node.webui;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import network.hydrogen.node.NodeSnapshot;

/**
 * What {@code GET /api/status} and the event stream's {@code snapshot} events carry: the snapshot's
 * fields and the actions that make sense now, so the page never decides that on its own.
 */
record StatusView(@JsonUnwrapped NodeSnapshot snapshot, List<String> actions) {

  static StatusView of(NodeSnapshot snapshot) {
    return new StatusView(
        snapshot,
        NodeAction.allowedActions(snapshot.status()).stream().map(NodeAction::path).toList());
  }
}

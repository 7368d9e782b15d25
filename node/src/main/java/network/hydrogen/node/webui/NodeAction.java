package network.hydrogen.node.webui;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.node.NodeControl;

/**
 * What a person may ask of the node from the WebUI, and in which contract states each request makes
 * sense (the transitions the Node contract accepts), so that the page offers only those and the API
 * refuses the others with a reason instead of a failed transaction.
 */
enum NodeAction {
  JOIN(EnumSet.of(NodeStatus.QUIT), NodeControl::join),
  PAUSE(EnumSet.of(NodeStatus.AVAILABLE, NodeStatus.BUSY), NodeControl::pause),
  RESUME(
      EnumSet.of(NodeStatus.PAUSED, NodeStatus.PENDING_PAUSE, NodeStatus.PENDING_QUIT),
      NodeControl::resume),
  QUIT(
      EnumSet.of(
          NodeStatus.AVAILABLE, NodeStatus.BUSY, NodeStatus.PENDING_PAUSE, NodeStatus.PAUSED),
      NodeControl::quit);

  private final Set<NodeStatus> allowedIn;
  private final Consumer<NodeControl> request;

  NodeAction(Set<NodeStatus> allowedIn, Consumer<NodeControl> request) {
    this.allowedIn = allowedIn;
    this.request = request;
  }

  /** Its name in the API's paths and in the status's {@code actions} list. */
  String path() {
    return name().toLowerCase();
  }

  boolean allowedIn(NodeStatus status) {
    return allowedIn.contains(status);
  }

  void requestOf(NodeControl node) {
    request.accept(node);
  }

  /** Why it is refused in {@code status}, in words. */
  String refusal(NodeStatus status) {
    return "cannot "
        + path()
        + " while the node is "
        + words(status)
        + ": "
        + path()
        + " is possible when it is "
        + allowedIn.stream().map(NodeAction::words).collect(Collectors.joining(" or "));
  }

  static Set<NodeAction> allowedActions(NodeStatus status) {
    Set<NodeAction> allowed = EnumSet.noneOf(NodeAction.class);
    for (NodeAction action : values()) {
      if (action.allowedIn(status)) {
        allowed.add(action);
      }
    }
    return allowed;
  }

  private static String words(NodeStatus status) {
    return switch (status) {
      case QUIT -> "not in the network";
      case AVAILABLE -> "available";
      case BUSY -> "busy";
      case PENDING_PAUSE -> "pausing after its task";
      case PENDING_QUIT -> "quitting after its task";
      case PAUSED -> "paused";
    };
  }
}

package network.hydrogen.node;

import java.time.Instant;

/**
 * One entry of a node's log as shown in its WebUI: a plain-words account of what happened and, for
 * failures, why and what to do.
 */
public record NodeLogEntry(Instant time, Level level, String message) {

  /** How much an entry matters. */
  public enum Level {
    INFO,
    WARN,
    ERROR
  }
}

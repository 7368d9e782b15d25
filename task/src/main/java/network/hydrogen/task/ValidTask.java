package network.hydrogen.task;

import java.nio.charset.StandardCharsets;

/**
 * A task that passed every check, with its canonical JSON: the form that is stored, sent to nodes
 * and hashed, so that everyone who holds the same task computes the same hash.
 *
 * @param args the task, defaults filled in
 * @param canonicalJson the task with defaults filled in, keys sorted and no whitespace (RFC 8785)
 */
public record ValidTask(TaskArgs args, String canonicalJson) {

  /** The canonical JSON as UTF-8 bytes. */
  public byte[] canonicalBytes() {
    return canonicalJson.getBytes(StandardCharsets.UTF_8);
  }

  /** The task hash: {@code 0x} + lowercase hex keccak256 of {@link #canonicalBytes()}. */
  public String hash() {
    return Tasks.keccak256(canonicalBytes());
  }
}

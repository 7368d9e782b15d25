package network.hydrogen.bridge;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A task as the bridge stores it: the application's task, where it stands, and the chain task of
 * its current attempt.
 *
 * @param owner the name of the API key that created it
 * @param taskJson the canonical task JSON
 * @param attempt how many times it was created on chain
 * @param chainTaskId the current attempt's task id on chain (null while queued)
 * @param submitBlock the chain's block just before the current createTask was sent
 * @param committed how many of the three nodes committed a result (current attempt)
 * @param disclosed how many disclosed it
 * @param images how many images are stored (on success)
 * @param reason why it failed, was aborted or cancelled, in words
 */
record BridgeTask(
    String id,
    String owner,
    String taskJson,
    String taskHash,
    int numImages,
    long vram,
    Status status,
    int attempt,
    BigInteger chainTaskId,
    Long submitBlock,
    boolean argsUploaded,
    int committed,
    int disclosed,
    boolean cancelRequested,
    int images,
    String reason,
    Instant createdAt,
    Instant updatedAt) {

  /** Where a task stands; the last four are final. */
  enum Status {
    QUEUED,
    SUBMITTING,
    CREATED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    ABORTED,
    CANCELLED;

    boolean finished() {
      return ordinal() >= SUCCEEDED.ordinal();
    }

    /** True while a task is on chain: its chain task decides what happens next. */
    boolean onChain() {
      return this == CREATED || this == RUNNING;
    }

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  Optional<BigInteger> chainTask() {
    return Optional.ofNullable(chainTaskId);
  }
}

package network.hydrogen.chain;

import java.math.BigInteger;
import java.time.Duration;

/** The Task contract's owner-settable parameters. */
public record TaskParameters(
    BigInteger feePerNode,
    int distanceThreshold,
    Duration commitTimeout,
    Duration discloseTimeout,
    Duration uploadTimeout,
    BigInteger timeoutPenalty) {
  public TaskParameters {
    if (feePerNode.signum() < 0 || timeoutPenalty.signum() < 0) {
      throw new IllegalArgumentException("fee and penalty must not be negative");
    }
    if (distanceThreshold < 0 || distanceThreshold > 64) {
      throw new IllegalArgumentException(
          "distance threshold must be 0 to 64 bits: " + distanceThreshold);
    }
    for (Duration d : new Duration[] {commitTimeout, discloseTimeout, uploadTimeout}) {
      if (d.toSeconds() <= 0) {
        throw new IllegalArgumentException("timeouts must be at least one second: " + d);
      }
    }
  }

  public TaskParameters withDistanceThreshold(int bits) {
    return new TaskParameters(
        feePerNode, bits, commitTimeout, discloseTimeout, uploadTimeout, timeoutPenalty);
  }
}

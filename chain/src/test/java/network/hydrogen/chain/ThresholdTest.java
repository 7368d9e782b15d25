package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;

/** The per-image Hamming-distance comparison of results, at, below and above the threshold. */
@ExtendWith(LocalChainExtension.class)
class ThresholdTest {
  @Test
  void popcountMatchesJava(LocalChain c) {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 20; i++) {
      long v = i == 0 ? -1L : i == 1 ? 0L : random.nextLong();
      Function f =
          new Function(
              "popcount",
              List.of(new Uint64(new BigInteger(Long.toUnsignedString(v)))),
              List.of(new TypeReference<Uint256>() {}));
      BigInteger count = (BigInteger) c.chain.call(c.tasks.address(), f).get(0).getValue();
      assertThat(count.intValueExact()).as("popcount of %x", v).isEqualTo(Long.bitCount(v));
    }
  }

  @Test
  void eachImageIsComparedWithinTheThreshold(LocalChain c) {
    c.tasks.setParameters(c.owner, c.tasks.parameters().withDistanceThreshold(5));
    long base = 0x5a5a5a5a5a5a5a5aL;
    TaskResult a = new TaskResult.ImageHashes(new long[] {base, base});
    assertThat(c.tasks.agree(a, hashes(flip(base, 4), base))).isTrue();
    assertThat(c.tasks.agree(a, hashes(flip(base, 5), flip(base, 5)))).isTrue();
    assertThat(c.tasks.agree(a, hashes(flip(base, 6), base))).isFalse();
    assertThat(c.tasks.agree(a, hashes(base, flip(base, 6)))).isFalse();
    // Per image, not summed: 4 + 4 bits apart agree though 8 > 5.
    assertThat(c.tasks.agree(a, hashes(flip(base, 4), flip(base, 4)))).isTrue();
    // Different image counts and errors never agree with hashes.
    assertThat(c.tasks.agree(a, hashes(base))).isFalse();
    assertThat(c.tasks.agree(new TaskResult.Error(1), new TaskResult.Error(1))).isTrue();
    assertThat(c.tasks.agree(new TaskResult.Error(1), new TaskResult.Error(2))).isFalse();
    c.tasks.setParameters(c.owner, c.tasks.parameters().withDistanceThreshold(6));
    assertThat(c.tasks.agree(a, hashes(flip(base, 6), base))).isTrue();
  }

  @Test
  void aResultAtTheThresholdSucceedsAndOneAboveIsSlashed(LocalChain c) {
    c.tasks.setParameters(c.owner, c.tasks.parameters().withDistanceThreshold(5));
    long base = 0x0f0f0f0f0f0f0f0fL;
    List<TransactionSender> nodes = List.of(c.join(1, 1), c.join(2, 1), c.join(3, 1));
    TransactionSender creator = c.sender(30);
    c.fund(30, TokenContract.cnx(30));
    c.token.approve(creator, c.tasks.address(), TokenContract.cnx(30));
    TaskContract.CreatedTask task =
        c.tasks.createTask(creator, TaskLifecycleTest.bytes32(1), TaskLifecycleTest.bytes32(2), 1);
    TaskResult[] results = {hashes(base), hashes(flip(base, 5)), hashes(flip(base, 11))};
    byte[][] nonces = new byte[3][];
    for (int i = 0; i < 3; i++) {
      TransactionSender node = senderOf(nodes, task.nodes().get(i));
      nonces[i] = TaskLifecycleTest.bytes32(1000 + i);
      c.tasks.commit(node, task.taskId(), TaskContract.commitment(results[i], nonces[i]));
    }
    for (int i = 0; i < 3; i++) {
      c.tasks.disclose(senderOf(nodes, task.nodes().get(i)), task.taskId(), results[i], nonces[i]);
    }
    TaskState state = c.tasks.state(task.taskId());
    assertThat(state.status()).isEqualTo(TaskStatus.SUCCESS);
    // Round 2 is 11 bits from round 0 (above) and 6 bits from round 1 (above): slashed.
    assertThat(c.nodes.statusOf(task.nodes().get(2))).isEqualTo(NodeStatus.QUIT);
    assertThat(c.nodes.statusOf(task.nodes().get(1))).isEqualTo(NodeStatus.AVAILABLE);
  }

  private static TransactionSender senderOf(List<TransactionSender> nodes, String address) {
    return nodes.stream()
        .filter(n -> n.address().equalsIgnoreCase(address))
        .findFirst()
        .orElseThrow();
  }

  private static TaskResult hashes(long... h) {
    return new TaskResult.ImageHashes(h);
  }

  /** Flips the lowest {@code bits} bits. */
  private static long flip(long v, int bits) {
    return v ^ ((1L << bits) - 1);
  }
}

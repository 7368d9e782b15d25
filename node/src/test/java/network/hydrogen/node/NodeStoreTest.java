package network.hydrogen.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's records across a chain that is started again (a devnet restarted on its data). */
class NodeStoreTest {

  @TempDir Path dir;

  @Test
  void anotherChainEndsTheOpenTasksAndTheEventPositionButKeepsTheHistory() throws Exception {
    try (NodeStore store = NodeStore.open(dir)) {
      assertThat(store.moveTo("31337:0xaa:0xtask", "forgotten")).isFalse();
      store.addTask(BigInteger.ONE, "0x01", Instant.now());
      store.setStage(BigInteger.ONE, NodeStore.Stage.DONE);
      store.addTask(BigInteger.TWO, "0x02", Instant.now());
      store.setStage(BigInteger.TWO, NodeStore.Stage.COMMIT_SENT);
      store.setLastBlock(40);
    }
    try (NodeStore store = NodeStore.open(dir)) {
      assertThat(store.moveTo("31337:0xaa:0xtask", "forgotten")).isFalse();
      assertThat(store.lastBlock()).hasValue(40);
      assertThat(store.nextOpenTask()).map(NodeStore.StoredTask::taskId).hasValue(BigInteger.TWO);

      assertThat(store.moveTo("31337:0xbb:0xtask", "forgotten")).isTrue();

      assertThat(store.lastBlock()).isEmpty();
      assertThat(store.nextOpenTask()).isEmpty();
      assertThat(store.task(BigInteger.TWO))
          .hasValueSatisfying(task -> assertThat(task.outcome()).isEqualTo("forgotten"));
      assertThat(store.history(10)).hasSize(2);
      assertThat(store.chain()).hasValue("31337:0xbb:0xtask");
    }
  }
}

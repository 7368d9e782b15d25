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
  void anotherChainForgetsTheTasksAndTheEventPositionButKeepsTheLogs() throws Exception {
    try (NodeStore store = NodeStore.open(dir)) {
      assertThat(store.moveTo("31337:0xaa:0xtask")).isEqualTo(-1);
      store.addTask(BigInteger.ONE, "0x01", Instant.now());
      store.setStage(BigInteger.ONE, NodeStore.Stage.DONE);
      store.addTask(BigInteger.TWO, "0x02", Instant.now());
      store.setStage(BigInteger.TWO, NodeStore.Stage.COMMIT_SENT);
      store.setLastBlock(40);
    }
    try (NodeStore store = NodeStore.open(dir)) {
      store.addLog(new NodeLogEntry(Instant.now(), NodeLogEntry.Level.INFO, "ran task 1"));
      assertThat(store.moveTo("31337:0xaa:0xtask")).isEqualTo(-1);
      assertThat(store.lastBlock()).hasValue(40);
      assertThat(store.nextOpenTask()).map(NodeStore.StoredTask::taskId).hasValue(BigInteger.TWO);

      assertThat(store.moveTo("31337:0xbb:0xtask")).isEqualTo(2);

      assertThat(store.lastBlock()).isEmpty();
      assertThat(store.nextOpenTask()).isEmpty();
      assertThat(store.history(10)).isEmpty();
      assertThat(store.addTask(BigInteger.ONE, "0x03", Instant.now())).isTrue();
      assertThat(store.logs(10)).extracting(NodeLogEntry::message).contains("ran task 1");
      assertThat(store.chain()).hasValue("31337:0xbb:0xtask");
    }
  }
}

package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.UUID;
import network.hydrogen.chain.AbortReason;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The task table on SQLite and on PostgreSQL (same migrations, same SQL; PostgreSQL is skipped when
 * it is not installed).
 */
class TaskStoreTest {
  @TempDir static Path dir;
  private static LocalPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = LocalPostgres.start().orElse(null);
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  private static String url(String database) throws Exception {
    if (database.equals("sqlite")) {
      Path data = dir.resolve(UUID.randomUUID().toString());
      Files.createDirectories(data);
      return BridgeConfig.sqliteUrl(data);
    }
    assumeTrue(postgres != null, "PostgreSQL is not installed");
    return postgres.jdbcUrl();
  }

  private static ValidTask task(long seed) throws Exception {
    return Tasks.parse(BridgeApiTest.task(2, seed).getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aTaskThroughTwoAttemptsSurvivesAReopen(String database) throws Exception {
    String url = url(database);
    String id = UUID.randomUUID().toString();
    BigInteger first = BigInteger.valueOf(System.nanoTime());
    BigInteger second = first.add(BigInteger.ONE);
    BigInteger fee = BigInteger.valueOf(30);
    try (TaskStore store = TaskStore.open(url)) {
      BridgeTask t = store.insert(id, "shop", task(1), 8L << 30);
      assertThat(t.status()).isEqualTo(BridgeTask.Status.QUEUED);
      assertThat(t.numImages()).isEqualTo(2);
      assertThat(store.claim(id, 17)).isTrue();
      assertThat(store.claim(id, 18)).isFalse();
      assertThat(store.submitting(t.taskHash())).hasValue(id);
      assertThat(store.created(id, first, fee)).isTrue();
      assertThat(store.created(id, first, fee)).isFalse();
      store.progress(id, 2, 0, "the nodes are working");
      assertThat(store.find(id).orElseThrow().status()).isEqualTo(BridgeTask.Status.RUNNING);
      assertThat(store.chainEvent("0xaa", 3, first, "aborted", "RESULTS_DISAGREE")).hasValue(id);
      assertThat(store.chainEvent("0xaa", 4, first, "refund", "30")).hasValue(id);
      assertThat(store.chainEvent("0xaa", 4, first, "refund", "30")).hasValue(id);
      assertThat(store.chainEvent("0xbb", 0, BigInteger.ONE.negate(), "refund", "9")).isEmpty();
      assertThat(store.abortReason(first)).hasValue(AbortReason.RESULTS_DISAGREE);
      assertThat(
              store.transition(
                  id,
                  EnumSet.of(BridgeTask.Status.CREATED, BridgeTask.Status.RUNNING),
                  BridgeTask.Status.QUEUED,
                  null,
                  "queued again"))
          .isTrue();
      BridgeTask requeued = store.find(id).orElseThrow();
      assertThat(requeued.chainTaskId()).isNull();
      assertThat(requeued.committed()).isZero();
      store.state("next_block", "41");
      store.state("next_block", "42");
    }
    try (TaskStore store = TaskStore.open(url)) {
      assertThat(store.claim(id, 50)).isTrue();
      assertThat(store.created(id, second, fee)).isTrue();
      store.succeeded(id, 2);
      BridgeTask done = store.find(id).orElseThrow();
      assertThat(done.status()).isEqualTo(BridgeTask.Status.SUCCEEDED);
      assertThat(done.attempt()).isEqualTo(2);
      assertThat(done.images()).isEqualTo(2);
      assertThat(store.attempts(id))
          .extracting(TaskStore.Attempt::chainTaskId)
          .containsExactly(first, second);
      assertThat(store.refunded(id)).isEqualTo(BigInteger.valueOf(30));
      assertThat(store.events(id))
          .extracting(TaskStore.Event::status)
          .containsExactly(
              BridgeTask.Status.QUEUED,
              BridgeTask.Status.SUBMITTING,
              BridgeTask.Status.CREATED,
              BridgeTask.Status.RUNNING,
              BridgeTask.Status.QUEUED,
              BridgeTask.Status.SUBMITTING,
              BridgeTask.Status.CREATED,
              BridgeTask.Status.SUCCEEDED);
      assertThat(store.state("next_block")).hasValue("42");
      assertThat(store.list("shop", 100)).extracting(BridgeTask::id).contains(id);
      assertThat(store.list("nobody", 100)).isEmpty();
    }
  }
}

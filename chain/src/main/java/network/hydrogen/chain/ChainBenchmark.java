package network.hydrogen.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.Credentials;

/**
 * Measures the protocol on a local Hardhat chain: the gas of each step of one task's lifecycle, and
 * how many complete tasks per second the chain sustains with 30 nodes (10 tasks in flight).
 */
public final class ChainBenchmark {
  /** Gas per lifecycle step (in order) and the throughput figure. */
  public record Result(Map<String, BigInteger> gas, int tasks, double seconds) {
    public BigInteger totalTaskGas() {
      return gas.entrySet().stream()
          .filter(e -> !e.getKey().startsWith("join"))
          .map(Map.Entry::getValue)
          .reduce(BigInteger.ZERO, BigInteger::add);
    }

    public double tasksPerSecond() {
      return tasks / seconds;
    }

    public String report() {
      StringBuilder out = new StringBuilder("gas of one task's lifecycle (3 honest nodes):\n");
      gas.forEach((step, g) -> out.append(String.format(Locale.ROOT, "  %-34s %,10d%n", step, g)));
      out.append(
          String.format(
              Locale.ROOT, "  %-34s %,10d%n", "total per task (without join)", totalTaskGas()));
      out.append(
          String.format(
              Locale.ROOT,
              "throughput: %d complete tasks in %.2f s with %d nodes = %.2f tasks/s%n",
              tasks,
              seconds,
              NODES,
              tasksPerSecond()));
      return out.toString();
    }
  }

  static final int NODES = 30;
  private static final int CREATORS = NODES / 3;
  private static final long VRAM = 8L << 30;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ChainBenchmark() {}

  /** Starts a Hardhat node on {@code port}, runs the benchmark and stops the node. */
  public static Result run(Path contractsDir, int port, int tasks) throws IOException {
    if (tasks < 1) {
      throw new IllegalArgumentException("tasks must be at least 1: " + tasks);
    }
    try (DevChain dev =
            DevChain.start(contractsDir, port, NODES + CREATORS, TokenContract.cnx(10_000), null);
        Chain chain =
            Chain.connect(
                dev.node().rpcUrl(),
                new Chain.Options(
                    java.time.Duration.ofSeconds(60), java.time.Duration.ofMillis(5), 3))) {
      Deployment d = dev.deployment();
      TokenContract token = d.token(chain);
      NodeContract nodes = d.node(chain);
      TaskContract taskContract = d.task(chain);
      List<Credentials> keys = dev.node().accounts();
      Map<String, TransactionSender> byAddress = new LinkedHashMap<>();
      Map<String, BigInteger> gas = new LinkedHashMap<>();
      for (int i = 1; i <= NODES; i++) {
        TransactionSender node = chain.sender(keys.get(i));
        Receipt approve = token.approve(node, nodes.address(), nodes.stakeAmount());
        Receipt join = nodes.join(node, "Bench GPU", VRAM);
        if (i == 1) {
          gas.put("join: approve stake", approve.gasUsed());
          gas.put("join", join.gasUsed());
        }
        byAddress.put(node.address().toLowerCase(Locale.ROOT), node);
      }
      List<TransactionSender> creators = new ArrayList<>();
      for (int i = 0; i < CREATORS; i++) {
        TransactionSender creator = chain.sender(keys.get(NODES + 1 + i));
        token.approve(creator, taskContract.address(), TokenContract.cnx(1_000_000));
        creators.add(creator);
      }
      runTask(taskContract, creators.get(0), byAddress, gas);

      AtomicInteger remaining = new AtomicInteger(tasks);
      long start = System.nanoTime();
      try (ExecutorService pool = Executors.newFixedThreadPool(CREATORS)) {
        List<Future<?>> futures = new ArrayList<>();
        for (TransactionSender creator : creators) {
          futures.add(
              pool.submit(
                  () -> {
                    while (remaining.getAndDecrement() > 0) {
                      runTask(taskContract, creator, byAddress, null);
                    }
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChainException("benchmark interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new ChainException("a benchmark task failed: " + e.getCause().getMessage(), e);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(gas, tasks, seconds);
    }
  }

  /** One complete task with three honest nodes; records the gas of each step when asked. */
  private static void runTask(
      TaskContract tasks,
      TransactionSender creator,
      Map<String, TransactionSender> nodes,
      Map<String, BigInteger> gas) {
    byte[] taskHash = new byte[32];
    RANDOM.nextBytes(taskHash);
    TaskContract.CreatedTask task = tasks.createTask(creator, taskHash, new byte[32], VRAM);
    record(gas, "createTask (selects 3 nodes)", task.receipt());
    TaskResult result = new TaskResult.ImageHashes(new long[] {RANDOM.nextLong()});
    byte[][] nonces = new byte[3][32];
    for (int i = 0; i < 3; i++) {
      RANDOM.nextBytes(nonces[i]);
      Receipt r =
          tasks.commit(
              nodes.get(task.nodes().get(i)),
              task.taskId(),
              TaskContract.commitment(result, nonces[i]));
      record(gas, "commit " + (i + 1) + (i == 2 ? " (commitments ready)" : ""), r);
    }
    String[] names = {"disclose 1", "disclose 2 (success, pays one)", "disclose 3 (pays)"};
    for (int i = 0; i < 3; i++) {
      Receipt r = tasks.disclose(nodes.get(task.nodes().get(i)), task.taskId(), result, nonces[i]);
      record(gas, names[i], r);
    }
    record(
        gas,
        "reportUploaded (pays result node)",
        tasks.reportUploaded(nodes.get(task.nodes().get(0)), task.taskId()));
  }

  private static void record(Map<String, BigInteger> gas, String step, Receipt receipt) {
    if (gas != null) {
      gas.put(step, receipt.gasUsed());
    }
  }
}

package network.hydrogen.bridge;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import network.hydrogen.chain.AbortReason;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.ChainException;
import network.hydrogen.chain.ContractEvent;
import network.hydrogen.chain.EventWatcher;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.NodePart;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TaskState;
import network.hydrogen.chain.TaskStatus;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.relay.RelayClient;
import network.hydrogen.relay.RelayException;
import network.hydrogen.task.TaskArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.utils.Numeric;

/**
 * Takes queued tasks to the chain and back: creates each on chain when three nodes are free (one at
 * a time: one wallet), uploads its args to the relay, follows its chain task to the end (the Task
 * contract's state is the truth; events only wake it up sooner), downloads the images, times out a
 * stalled stage, and queues an aborted task again within the retry limit. After a restart it picks
 * every unfinished task up from the chain's state.
 */
final class TaskPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskPipeline.class);
  private static final byte[] NO_INPUT_DATA = new byte[32];
  private static final String NEXT_BLOCK = "next_block";
  private static final int MAX_SUBMIT_ERRORS = 5;
  private static final Duration MIN_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private static final Set<BridgeTask.Status> ON_CHAIN =
      EnumSet.of(BridgeTask.Status.CREATED, BridgeTask.Status.RUNNING);

  private final BridgeConfig config;
  private final TaskStore store;
  private final Chain chain;
  private final TransactionSender wallet;
  private final TaskContract tasks;
  private final NodeContract nodes;
  private final TokenContract token;
  private final RelayClient relay;
  private final Path imagesDir;
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private final Map<String, Integer> submitErrors = new HashMap<>();
  private volatile boolean running = true;
  private volatile Duration backoff = MIN_BACKOFF;
  private volatile Instant backoffUntil = Instant.MIN;
  private EventWatcher watcher;
  private long recoverThroughBlock;
  private boolean recovered;

  TaskPipeline(
      BridgeConfig config,
      TaskStore store,
      Chain chain,
      TransactionSender wallet,
      RelayClient relay)
      throws IOException {
    this.config = config;
    this.store = store;
    this.chain = chain;
    this.wallet = wallet;
    this.tasks = new TaskContract(chain, config.task());
    this.nodes = new NodeContract(chain, config.node());
    this.token = new TokenContract(chain, config.token());
    this.relay = relay;
    this.imagesDir = config.dataDir().resolve("images");
    Files.createDirectories(imagesDir);
    this.thread = Thread.ofPlatform().daemon().name("bridge-pipeline").unstarted(this::loop);
  }

  /** Where a task's images are stored ({@code 0.png}, {@code 1.png}, ...). */
  Path imagesOf(String taskId) {
    return imagesDir.resolve(taskId);
  }

  /** Starts following the chain (from where the last run stopped) and working the queue. */
  void start() {
    Set<BridgeTask.Status> onChain = EnumSet.copyOf(ON_CHAIN);
    onChain.add(BridgeTask.Status.SUBMITTING);
    int requeued =
        store.moveTo(
            chain.identity() + ":" + config.task().toLowerCase(Locale.ROOT), onChain, NEXT_BLOCK);
    if (requeued >= 0) {
      LOG.warn(
          "this is not the chain the bridge last ran on (a development chain started again, or"
              + " other contracts): {} unfinished tasks are queued again for it",
          requeued);
    }
    long head = chain.blockNumber();
    long from = store.state(NEXT_BLOCK).map(Long::parseLong).orElse(head);
    for (BridgeTask t : store.withStatus(EnumSet.of(BridgeTask.Status.SUBMITTING))) {
      if (t.submitBlock() != null) {
        from = Math.min(from, t.submitBlock());
      }
    }
    recoverThroughBlock = head;
    watcher =
        EventWatcher.start(
            chain,
            List.of(config.task(), config.node()),
            Math.min(from, head),
            config.pollInterval(),
            Optional.ofNullable(config.wsUrl()),
            new EventWatcher.Listener() {
              @Override
              public void onEvent(EventWatcher.LoggedEvent event) {
                TaskPipeline.this.onEvent(event);
              }

              @Override
              public void onBlocksProcessed(long block) {
                store.state(NEXT_BLOCK, Long.toString(block + 1));
              }
            });
    thread.start();
  }

  /** Makes the pipeline look at its tasks now (a new task, a cancellation). */
  void wake() {
    wake.release();
  }

  /** The VRAM a task asks the nodes for. */
  long vramFor(TaskArgs args) {
    String model = args.baseModel().name().toLowerCase(Locale.ROOT);
    return model.contains("xl") ? config.vramSdxlBytes() : config.vramBytes();
  }

  /**
   * Cancels a task: a queued one at once; one on chain only when the protocol lets its creator end
   * it (the current stage's deadline passed: the bridge calls timeout, the fee is refunded).
   *
   * @throws BridgeException 409 saying why it cannot be cancelled now
   */
  void cancel(String id) {
    BridgeTask t = store.find(id).orElseThrow(() -> new BridgeException(404, "no task " + id));
    switch (t.status()) {
      case QUEUED -> {
        if (!store.transition(
            id,
            EnumSet.of(BridgeTask.Status.QUEUED),
            BridgeTask.Status.CANCELLED,
            "cancelled by the application",
            "cancelled before it reached the chain")) {
          cancel(id); // it moved on meanwhile: decide again
        }
      }
      case SUBMITTING ->
          throw new BridgeException(
              409, "the task is being created on chain right now; try again in a moment");
      case CREATED, RUNNING -> cancelOnChain(t);
      default -> throw new BridgeException(409, "the task has ended already: " + t.status().json());
    }
  }

  private void cancelOnChain(BridgeTask t) {
    BigInteger cid = t.chainTaskId();
    TaskState s = tasks.state(cid);
    if (s.status() == TaskStatus.SUCCESS) {
      throw new BridgeException(
          409,
          "the nodes already agreed on a result (chain task " + cid + "); it cannot be cancelled");
    }
    Instant now = chain.latestBlockTime();
    if (s.status() != TaskStatus.ABORTED && !now.isAfter(s.deadline())) {
      throw new BridgeException(
          409,
          "the task is with its nodes on chain (chain task "
              + cid
              + ", "
              + s.status().name().toLowerCase(Locale.ROOT)
              + "); the protocol lets its creator end it only after the stage's deadline, "
              + s.deadline()
              + " (in "
              + Duration.between(now, s.deadline()).toSeconds()
              + " s)");
    }
    store.requestCancel(t.id());
    if (s.status() != TaskStatus.ABORTED) {
      tasks.timeout(wallet, cid);
    }
    store.transition(
        t.id(),
        ON_CHAIN,
        BridgeTask.Status.CANCELLED,
        "cancelled by the application",
        "cancelled: chain task " + cid + " timed out by the bridge, fee refunded");
  }

  private void loop() {
    while (running) {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("bridge pipeline: {}", e.toString());
      }
      try {
        wake.tryAcquire(config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void tick() {
    if (!recovered && watcher.nextBlock() > recoverThroughBlock) {
      // Every TaskCreated up to the restart was seen: a task still submitting was never created.
      for (BridgeTask t : store.withStatus(EnumSet.of(BridgeTask.Status.SUBMITTING))) {
        store.transition(
            t.id(),
            EnumSet.of(BridgeTask.Status.SUBMITTING),
            BridgeTask.Status.QUEUED,
            null,
            "the bridge stopped before the task was created on chain; queued again");
      }
      recovered = true;
    }
    for (BridgeTask t : store.withStatus(ON_CHAIN)) {
      if (!running) {
        return;
      }
      try {
        follow(t);
      } catch (IOException | RuntimeException e) {
        LOG.warn("task {} (chain task {}): {}", t.id(), t.chainTaskId(), e.toString());
      }
    }
    if (recovered) {
      submitQueued();
    }
  }

  private void submitQueued() {
    if (Instant.now().isBefore(backoffUntil)) {
      return;
    }
    for (BridgeTask t : store.withStatus(EnumSet.of(BridgeTask.Status.QUEUED))) {
      if (!running) {
        return;
      }
      if (nodes.availableCount() < 3) {
        backOff();
        return;
      }
      if (!store.claim(t.id(), chain.blockNumber())) {
        continue;
      }
      BigInteger fee = tasks.parameters().feePerNode().multiply(BigInteger.valueOf(3));
      TaskContract.CreatedTask created;
      try {
        if (token.allowance(wallet.address(), tasks.address()).compareTo(fee) < 0) {
          token.approve(wallet, tasks.address(), config.approveAmount());
        }
        created =
            tasks.createTask(
                wallet, Numeric.hexStringToByteArray(t.taskHash()), NO_INPUT_DATA, t.vram());
      } catch (ChainException e) {
        submitFailed(t, e);
        return;
      }
      submitErrors.remove(t.id());
      backoff = MIN_BACKOFF;
      store.created(t.id(), created.taskId(), fee);
      uploadArgs(t.id(), created.taskId(), t.taskJson());
    }
  }

  private void submitFailed(BridgeTask t, ChainException e) {
    String why = e.getMessage();
    boolean noNodes = why.contains("NotEnoughNodes");
    int errors = noNodes ? 0 : submitErrors.merge(t.id(), 1, Integer::sum);
    Set<BridgeTask.Status> submitting = EnumSet.of(BridgeTask.Status.SUBMITTING);
    if (errors >= MAX_SUBMIT_ERRORS) {
      submitErrors.remove(t.id());
      store.transition(
          t.id(),
          submitting,
          BridgeTask.Status.FAILED,
          "the chain refused to create the task " + errors + " times: " + why,
          "createTask failed");
    } else {
      store.transition(
          t.id(),
          submitting,
          BridgeTask.Status.QUEUED,
          null,
          noNodes
              ? "not enough free nodes with the VRAM it needs; waiting"
              : "createTask failed, will retry: " + why);
    }
    backOff();
  }

  private void backOff() {
    backoffUntil = Instant.now().plus(backoff);
    Duration doubled = backoff.multipliedBy(2);
    backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
  }

  private void uploadArgs(String id, BigInteger chainTaskId, String json) {
    try {
      relay.uploadArgs(chainTaskId, json);
      store.argsUploaded(id);
    } catch (RelayException e) {
      if (e.status() == 409) {
        store.argsUploaded(id); // uploaded before a restart
      } else {
        LOG.warn(
            "uploading the args of chain task {} failed, will retry: {}",
            chainTaskId,
            e.getMessage());
      }
    } catch (IOException e) {
      LOG.warn(
          "uploading the args of chain task {} failed, will retry: {}", chainTaskId, e.toString());
    }
  }

  /** Moves one task on chain along according to its chain task's state. */
  private void follow(BridgeTask t) throws IOException {
    BigInteger cid = t.chainTaskId();
    if (!t.argsUploaded()) {
      uploadArgs(t.id(), cid, t.taskJson());
    }
    TaskState s = tasks.state(cid);
    int committed = (int) s.parts().stream().filter(p -> p != NodePart.SELECTED).count();
    int disclosed =
        (int)
            s.parts().stream()
                .filter(p -> p == NodePart.DISCLOSED || p == NodePart.SETTLED)
                .count();
    switch (s.status()) {
      case COMMITTING, DISCLOSING -> {
        store.progress(t.id(), committed, disclosed, "the nodes are working");
        if (chain.latestBlockTime().isAfter(s.deadline())) {
          timeout(cid);
        }
      }
      case SUCCESS -> {
        store.progress(t.id(), 3, Math.max(2, disclosed), "the nodes are working");
        if (s.uploaded()) {
          download(t, cid, s);
        } else if (chain.latestBlockTime().isAfter(s.deadline())) {
          timeout(cid);
          again(
              store.find(t.id()).orElseThrow(),
              cid,
              "the result node did not upload the images in time",
              false);
        }
      }
      case ABORTED -> {
        // Read again: a cancellation sets its flag before it times the task out.
        BridgeTask fresh = store.find(t.id()).orElseThrow();
        if (fresh.cancelRequested()) {
          store.transition(
              t.id(),
              ON_CHAIN,
              BridgeTask.Status.CANCELLED,
              "cancelled by the application",
              "cancelled: chain task " + cid + " aborted, fee refunded");
          return;
        }
        Optional<AbortReason> reason = store.abortReason(cid);
        if (reason.isEmpty()) {
          return; // its TaskAborted event is still on its way
        }
        again(fresh, cid, reason.get().words(), reason.get() == AbortReason.TASK_ERROR);
      }
      case NONE ->
          store.transition(
              t.id(),
              ON_CHAIN,
              BridgeTask.Status.FAILED,
              "chain task " + cid + " does not exist on this chain",
              "the chain does not know the task");
    }
  }

  /** Queues a task again after its chain task ended without images, or gives up. */
  private void again(BridgeTask t, BigInteger cid, String why, boolean taskAtFault) {
    if (taskAtFault || t.attempt() > config.maxRetries()) {
      store.transition(
          t.id(),
          ON_CHAIN,
          BridgeTask.Status.ABORTED,
          why,
          "chain task " + cid + " aborted: " + why + (taskAtFault ? "" : "; no retries left"));
    } else {
      store.transition(
          t.id(),
          ON_CHAIN,
          BridgeTask.Status.QUEUED,
          null,
          "attempt " + t.attempt() + " (chain task " + cid + ") ended: " + why + "; queued again");
      wake();
    }
  }

  private void timeout(BigInteger cid) {
    try {
      tasks.timeout(wallet, cid);
    } catch (ChainException e) {
      LOG.debug("timeout of chain task {} not possible (yet): {}", cid, e.getMessage());
    }
  }

  private void download(BridgeTask t, BigInteger cid, TaskState s) throws IOException {
    TaskResult result =
        tasks
            .resultOf(cid, s.resultIndex())
            .orElseThrow(() -> new IllegalStateException("chain task " + cid + " has no result"));
    if (!(result instanceof TaskResult.ImageHashes hashes)) {
      throw new IllegalStateException("chain task " + cid + " succeeded with an error code");
    }
    int count = hashes.hashes().length;
    Path part = imagesDir.resolve(t.id() + ".part");
    deleteTree(part);
    Files.createDirectories(part);
    try {
      for (int n = 0; n < count; n++) {
        relay.downloadResult(cid, n, part.resolve(n + ".png"));
      }
    } catch (RelayException e) {
      if (e.status() != 403 && e.status() != 404) {
        throw e; // the relay is unwell: try again on the next round
      }
      // The chain says the images were uploaded but the relay has none for us: they are gone.
      deleteTree(part);
      store.transition(
          t.id(),
          ON_CHAIN,
          BridgeTask.Status.FAILED,
          "the relay cannot give the images: " + e.getMessage(),
          "the images could not be downloaded");
      return;
    }
    Path dir = imagesOf(t.id());
    deleteTree(dir);
    Files.move(part, dir, StandardCopyOption.ATOMIC_MOVE);
    store.succeeded(t.id(), count);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void onEvent(EventWatcher.LoggedEvent logged) {
    switch (logged.event()) {
      case ContractEvent.TaskCreated c -> {
        if (c.round() == 0 && c.creator().equalsIgnoreCase(wallet.address())) {
          // After a restart this finds the chain task of a createTask the last run sent.
          store
              .submitting(c.taskHash())
              .ifPresent(
                  id ->
                      store.created(
                          id,
                          c.taskId(),
                          tasks.state(c.taskId()).feePerNode().multiply(BigInteger.valueOf(3))));
        }
      }
      case ContractEvent.TaskAborted a ->
          store.chainEvent(
              logged.transactionHash(),
              logged.logIndex(),
              a.taskId(),
              "aborted",
              a.reason().name());
      case ContractEvent.FeeRefunded f -> {
        if (f.creator().equalsIgnoreCase(wallet.address())) {
          store.chainEvent(
              logged.transactionHash(),
              logged.logIndex(),
              f.taskId(),
              "refund",
              f.amount().toString());
        }
      }
      case ContractEvent.NodeStatusChanged n when n.to() == NodeStatus.AVAILABLE ->
          backoffUntil = Instant.MIN; // a node is free: try the queue again now
      case ContractEvent.NodeJoined n -> backoffUntil = Instant.MIN;
      default -> {}
    }
    wake();
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    if (watcher != null) {
      watcher.close();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

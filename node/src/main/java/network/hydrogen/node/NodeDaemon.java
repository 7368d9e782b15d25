package network.hydrogen.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.ChainException;
import network.hydrogen.chain.ContractEvent;
import network.hydrogen.chain.EventWatcher;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.NodeInfo;
import network.hydrogen.chain.NodePart;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TaskState;
import network.hydrogen.chain.TaskStatus;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.image.PerceptualHash;
import network.hydrogen.engine.library.DownloadListener;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelStore;
import network.hydrogen.relay.RelayClient;
import network.hydrogen.relay.RelayException;
import network.hydrogen.task.InvalidTaskException;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * The node daemon: a worker thread takes the tasks the chain assigns this node, one at a time, and
 * drives each to its end by reading the task's state from the chain and doing the next step (fetch
 * args, run the engine, commit, disclose, upload); an event watcher records new tasks and outcomes
 * and wakes the worker. Everything it must not forget (the task, the result and nonce it commits
 * to, its images, the last block read) is in its database before the chain step that needs it, so
 * after a crash it reconciles with the chain and goes on: it never commits twice and never loses a
 * result it committed to.
 */
public final class NodeDaemon implements NodeControl, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeDaemon.class);
  private static final int LOGS_SHOWN = 200;
  private static final int HISTORY_SHOWN = 100;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final NodeConfig config;
  private final TaskRunner runner;
  private final NodeStore store;
  private final Chain chain;
  private final TransactionSender sender;
  private final String me;
  private final TokenContract token;
  private final NodeContract nodes;
  private final TaskContract tasks;
  private final RelayClient relay;
  private final NodeSnapshot.Gpu gpu;
  private final NodeMetrics metrics = new NodeMetrics();
  private final List<NodeListener> listeners = new CopyOnWriteArrayList<>();
  private final Semaphore wake = new Semaphore(0);
  private final ExecutorService control;
  private final Thread worker;
  private volatile EventWatcher watcher;
  private volatile boolean running = true;
  private volatile String activity = "starting";
  private volatile NodeSnapshot.CurrentTask current;
  private volatile NodeStatus status = NodeStatus.QUIT;
  private volatile NodeSnapshot.Wallet wallet;
  private volatile BigInteger pendingLoss = BigInteger.ZERO;
  private volatile boolean dirty = true;
  private BigInteger resumedTask;
  private volatile Instant lastRefresh = Instant.EPOCH;

  private NodeDaemon(
      NodeConfig config,
      TaskRunner runner,
      NodeStore store,
      Chain chain,
      Credentials credentials,
      NodeSnapshot.Gpu gpu) {
    this.config = config;
    this.runner = runner;
    this.store = store;
    this.chain = chain;
    this.sender = chain.sender(credentials);
    this.me = credentials.getAddress().toLowerCase(Locale.ROOT);
    this.token = new TokenContract(chain, config.contracts().token());
    this.nodes = new NodeContract(chain, config.contracts().node());
    this.tasks = new TaskContract(chain, config.contracts().task());
    this.relay = new RelayClient(config.relayUrl(), credentials);
    this.gpu = gpu;
    this.wallet = new NodeSnapshot.Wallet(me, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO);
    this.control =
        Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("node-control").unstarted(r));
    this.worker = Thread.ofPlatform().name("node-worker").unstarted(this::work);
  }

  /**
   * Starts a node that runs tasks with the engine on the configured models folder, downloading what
   * it lacks when the config has a cache.
   */
  public static NodeDaemon start(NodeConfig config) throws IOException {
    ModelLibrary library = new ModelLibrary(config.modelsDir());
    AtomicReference<NodeDaemon> started = new AtomicReference<>();
    DownloadListener progress =
        (file, done, total) -> {
          NodeDaemon daemon = started.get();
          if (daemon != null) {
            daemon.downloading(file, done, total);
          }
        };
    NodeDaemon daemon =
        start(
            config,
            new EngineRunner(
                library,
                config
                    .downloads()
                    .map(settings -> new ModelStore(Optional.of(library), settings, progress)),
                config.inference()));
    started.set(daemon);
    return daemon;
  }

  /**
   * Opens the database and the wallet (writing a new one on first start), connects to the chain,
   * resumes any task it was running and starts watching the chain. It does not join: call {@link
   * #join()} (the headless runner does on start).
   */
  public static NodeDaemon start(NodeConfig config, TaskRunner runner) throws IOException {
    Files.createDirectories(config.dataDir());
    NodeWallet.Opened wallet = NodeWallet.open(config.wallet());
    NodeStore store = NodeStore.open(config.dataDir());
    Chain chain = null;
    try {
      Duration poll = config.pollInterval();
      chain =
          Chain.connect(
              config.rpcUrl(),
              new Chain.Options(
                  Duration.ofMinutes(2),
                  poll.compareTo(Duration.ofMillis(500)) < 0 ? poll : Duration.ofMillis(500),
                  3));
      NodeSnapshot.Gpu gpu = config.gpu().orElseGet(GpuDetector::detect);
      NodeDaemon daemon = new NodeDaemon(config, runner, store, chain, wallet.credentials(), gpu);
      if (wallet.created() != null) {
        daemon.log(NodeLogEntry.Level.INFO, "Wallet " + daemon.me + ": " + wallet.created() + ".");
      }
      daemon.begin();
      return daemon;
    } catch (RuntimeException e) {
      if (chain != null) {
        chain.close();
      }
      store.close();
      throw e;
    }
  }

  private void begin() {
    int forgotten =
        store.moveTo(chain.identity() + ":" + config.contracts().task().toLowerCase(Locale.ROOT));
    if (forgotten >= 0) {
      log(
          NodeLogEntry.Level.WARN,
          "This is not the chain the node last ran on (a development chain started again, or"
              + " other contracts): the "
              + forgotten
              + " tasks recorded on the other chain are forgotten with it (their payments were"
              + " there) and events are read from the start.");
    }
    refresh();
    resumedTask = store.nextOpenTask().map(NodeStore.StoredTask::taskId).orElse(null);
    long from =
        store.lastBlock().isPresent()
            ? store.lastBlock().getAsLong() + 1
            : config.contracts().startBlock().orElseGet(chain::blockNumber);
    log(
        NodeLogEntry.Level.INFO,
        "Node "
            + me
            + " started: "
            + words(status)
            + ", GPU "
            + gpu.name()
            + " with "
            + gib(gpu.vramBytes())
            + ", reading the chain from block "
            + from
            + ".");
    watcher =
        EventWatcher.start(
            chain,
            List.of(nodes.address(), tasks.address()),
            from,
            config.pollInterval(),
            config.webSocketUrl(),
            new EventWatcher.Listener() {
              @Override
              public void onEvent(EventWatcher.LoggedEvent event) {
                handle(event.event());
              }

              @Override
              public void onBlocksProcessed(long block) {
                store.setLastBlock(block);
              }
            });
    worker.start();
  }

  /** The node's wallet address, lower case. */
  public String address() {
    return me;
  }

  public NodeConfig config() {
    return config;
  }

  /** The node's metrics, for the WebUI server's {@code /metrics} (Prometheus text format). */
  public PrometheusMeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** The network overhead of each task (TaskCreated to mined commitment, less the inference). */
  io.micrometer.core.instrument.Timer networkOverhead() {
    return metrics.overheadTimer();
  }

  // ---- NodeControl ----

  @Override
  public NodeSnapshot snapshot() {
    List<NodeSnapshot.TaskRecord> history = new ArrayList<>();
    for (NodeStore.StoredTask t : store.history(HISTORY_SHOWN)) {
      history.add(
          new NodeSnapshot.TaskRecord(
              t.taskId(),
              t.seenAt(),
              t.endedAt(),
              t.outcome() != null
                  ? t.outcome()
                  : t.stage() == NodeStore.Stage.DONE ? "settled" : "running",
              t.earned() == null ? BigInteger.ZERO : t.earned()));
    }
    return new NodeSnapshot(
        activity,
        status,
        wallet,
        gpu,
        Optional.ofNullable(current),
        history,
        store.logs(LOGS_SHOWN));
  }

  /**
   * Makes the node take tasks, as a headless node does on start: joins when it is not in the
   * network, resumes when it is paused, and leaves it as it is otherwise.
   */
  public void takeTasks() {
    if (status == NodeStatus.QUIT) {
      join();
    } else if (status == NodeStatus.PAUSED) {
      resume();
    }
  }

  @Override
  public void join() {
    control.execute(
        () ->
            act(
                "join",
                () -> {
                  NodeStatus now = nodes.statusOf(me);
                  if (now != NodeStatus.QUIT) {
                    log(NodeLogEntry.Level.INFO, "Already joined (" + words(now) + ").");
                    return;
                  }
                  BigInteger stake = nodes.stakeAmount();
                  BigInteger cnx = token.balanceOf(me);
                  if (cnx.compareTo(stake) < 0) {
                    log(
                        NodeLogEntry.Level.ERROR,
                        "Cannot join: joining stakes "
                            + cnx(stake)
                            + " but the wallet "
                            + me
                            + " holds "
                            + cnx(cnx)
                            + ". Send CNX to it and join again.");
                    return;
                  }
                  if (chain.etherBalance(me).signum() == 0) {
                    log(
                        NodeLogEntry.Level.ERROR,
                        "Cannot join: the wallet "
                            + me
                            + " has no ether to pay for transactions. Send some and join again.");
                    return;
                  }
                  if (token.allowance(me, nodes.address()).compareTo(stake) < 0) {
                    token.approve(sender, nodes.address(), stake);
                  }
                  nodes.join(sender, gpu.name(), gpu.vramBytes());
                  log(
                      NodeLogEntry.Level.INFO,
                      "Joined the network with "
                          + cnx(stake)
                          + " staked, declaring "
                          + gpu.name()
                          + " with "
                          + gib(gpu.vramBytes())
                          + ".");
                }));
  }

  @Override
  public void pause() {
    control.execute(
        () ->
            act(
                "pause",
                () -> {
                  nodes.pause(sender);
                  if (nodes.statusOf(me) == NodeStatus.PENDING_PAUSE) {
                    log(NodeLogEntry.Level.INFO, "Will pause when the running task ends.");
                  }
                }));
  }

  @Override
  public void resume() {
    control.execute(() -> act("resume", () -> nodes.resume(sender)));
  }

  @Override
  public void quit() {
    control.execute(
        () ->
            act(
                "quit",
                () -> {
                  nodes.quit(sender);
                  if (nodes.statusOf(me) == NodeStatus.PENDING_QUIT) {
                    log(
                        NodeLogEntry.Level.INFO,
                        "Will quit and get the stake back when the running task ends.");
                  }
                }));
  }

  @Override
  public AutoCloseable subscribe(NodeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Asks to quit (when joined) and waits until the chain shows this node quit and its last task is
   * done; for the headless runner's SIGTERM. False when {@code limit} passed first.
   */
  public boolean quitAndWait(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    boolean asked = false;
    while (System.nanoTime() < deadline) {
      NodeStatus now = readStatus();
      if (now == NodeStatus.QUIT && store.nextOpenTask().isEmpty()) {
        return true;
      }
      if (!asked && now != NodeStatus.QUIT && now != NodeStatus.PENDING_QUIT) {
        quit();
        asked = true;
      }
      Thread.sleep(config.pollInterval().toMillis());
    }
    return false;
  }

  private NodeStatus readStatus() {
    try {
      return nodes.statusOf(me);
    } catch (ChainException e) {
      return status;
    }
  }

  private void act(String what, ChainStep step) {
    try {
      step.run();
    } catch (ChainException e) {
      log(NodeLogEntry.Level.ERROR, "Could not " + what + ": " + e.getMessage());
    } catch (RuntimeException e) {
      log(NodeLogEntry.Level.ERROR, "Could not " + what + ": " + e);
    }
    refresh();
  }

  @FunctionalInterface
  private interface ChainStep {
    void run();
  }

  // ---- events ----

  private void handle(ContractEvent event) {
    switch (event) {
      case ContractEvent.TaskCreated e when e.node().equals(me) -> {
        if (store.addTask(e.taskId(), e.taskHash(), Instant.now())) {
          log(NodeLogEntry.Level.INFO, "Selected for task " + e.taskId() + ".");
        }
      }
      case ContractEvent.TaskAborted e when store.task(e.taskId()).isPresent() -> {
        metrics.aborted();
        store.setOutcome(e.taskId(), "aborted: " + e.reason().words(), BigInteger.ZERO, true);
        log(
            NodeLogEntry.Level.WARN,
            "Task "
                + e.taskId()
                + " was aborted: "
                + e.reason().words()
                + "; the creator got the fee back.");
      }
      case ContractEvent.NodeSlashed e when e.node().equals(me) -> pendingLoss = e.amount();
      case ContractEvent.NodePenalised e when e.node().equals(me) -> pendingLoss = e.penalty();
      case ContractEvent.TaskNodeSettled e when e.node().equals(me) -> settled(e);
      case ContractEvent.TaskSuccess e when store.task(e.taskId()).isPresent() ->
          log(
              NodeLogEntry.Level.INFO,
              "Task "
                  + e.taskId()
                  + " succeeded: two results agree"
                  + (e.resultNode().equals(me) ? "; this node uploads the images." : "."));
      case ContractEvent.NodeStatusChanged e when e.node().equals(me) -> {
        status = e.to();
        if (e.to() != NodeStatus.BUSY && e.from() != NodeStatus.BUSY) {
          log(NodeLogEntry.Level.INFO, "Status: " + words(e.from()) + " → " + words(e.to()) + ".");
        }
      }
      case ContractEvent.NodeQuit e when e.node().equals(me) ->
          log(
              NodeLogEntry.Level.INFO,
              "Left the network; the stake of " + cnx(e.stakeReturned()) + " was returned.");
      default -> {}
    }
    dirty = true;
    wake.release();
  }

  private void settled(ContractEvent.TaskNodeSettled e) {
    BigInteger loss = pendingLoss;
    pendingLoss = BigInteger.ZERO;
    switch (e.outcome()) {
      case PAID -> {
        metrics.succeeded();
        store.setOutcome(e.taskId(), "paid", e.amount(), false);
        log(NodeLogEntry.Level.INFO, "Paid " + cnx(e.amount()) + " for task " + e.taskId() + ".");
      }
      case FREED -> {
        store.setOutcome(e.taskId(), "freed without a fee", BigInteger.ZERO, true);
        log(NodeLogEntry.Level.INFO, "Freed from task " + e.taskId() + " without a fee.");
      }
      case SLASHED -> {
        metrics.slashed();
        store.setOutcome(e.taskId(), "slashed", loss.negate(), false);
        log(
            NodeLogEntry.Level.ERROR,
            "Slashed in task "
                + e.taskId()
                + ": this node's result disagreed with the two that agreed, so its stake of "
                + cnx(loss)
                + " was taken and it was removed from the network. Check the GPU and models.");
      }
      case PENALISED -> {
        metrics.slashed();
        store.setOutcome(e.taskId(), "penalised", loss.negate(), false);
        log(
            NodeLogEntry.Level.ERROR,
            "Penalised "
                + cnx(loss)
                + " in task "
                + e.taskId()
                + ": this node did not commit, disclose or upload before the deadline; the rest"
                + " of the stake was returned and it was removed from the network.");
      }
    }
  }

  // ---- the worker ----

  private void work() {
    while (running) {
      try {
        Optional<NodeStore.StoredTask> next = store.nextOpenTask();
        if (next.isPresent()) {
          process(next.get());
          continue;
        }
        current = null;
        if (dirty || Duration.between(lastRefresh, Instant.now()).getSeconds() >= 10) {
          dirty = false;
          refresh();
          activity =
              switch (status) {
                case QUIT -> "not joined";
                case PAUSED -> "paused";
                default -> "waiting for tasks";
              };
          publish();
        }
        await(config.pollInterval());
      } catch (Stopped | InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.warn("node worker", e);
        log(NodeLogEntry.Level.WARN, "Retrying after an error: " + e.getMessage());
        try {
          await(config.pollInterval());
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** Drives one task to its end for this node, from whatever point the chain and store are at. */
  private void process(NodeStore.StoredTask stored) throws InterruptedException {
    BigInteger id = stored.taskId();
    Instant started = stored.seenAt();
    stage(id, "reading its state", started);
    boolean resumed = id.equals(resumedTask);
    if (resumed) {
      log(
          NodeLogEntry.Level.INFO,
          "Resuming task "
              + id
              + " after a restart"
              + (stored.result() != null
                  ? " with the result stored before it was committed."
                  : "; its result was not ready, so the engine runs again."));
    }
    Instant lastTimeoutTry = Instant.EPOCH;
    String lastWarning = null;
    while (running) {
      NodeStore.StoredTask t = store.task(id).orElseThrow();
      TaskState s;
      try {
        s = tasks.state(id);
      } catch (ChainException e) {
        lastWarning =
            warnOnce(lastWarning, "Cannot read task " + id + " from the chain: " + e.getMessage());
        await(config.pollInterval());
        continue;
      }
      int index = s.nodes().indexOf(me);
      if (s.status() == TaskStatus.NONE || index < 0) {
        log(NodeLogEntry.Level.WARN, "Task " + id + " is not on this chain; dropped.");
        finish(id);
        return;
      }
      NodePart part = s.parts().get(index);
      if (part == NodePart.SETTLED) {
        finish(id);
        return;
      }
      boolean late = chainNow().isAfter(s.deadline().plusSeconds(2));
      Step step = nextStep(s, part);
      try {
        if (!late) {
          switch (step) {
            case COMMIT -> {
              if (t.result() == null) {
                produceResult(t, s, resumed);
              } else {
                commit(t, resumed);
              }
              continue;
            }
            case DISCLOSE -> {
              disclose(t);
              continue;
            }
            case UPLOAD -> {
              upload(t);
              continue;
            }
            case WAIT -> {}
          }
        }
      } catch (ChainException | IOException e) {
        lastWarning = warnOnce(lastWarning, "Task " + id + ": " + e.getMessage() + " Retrying.");
        // The chain's clock, not ours, decides: its refusal says the stage is over.
        late = String.valueOf(e.getMessage()).contains("DeadlinePassed");
        if (!late) {
          await(config.pollInterval());
          continue;
        }
      }
      if (late && step != Step.WAIT) {
        lastWarning =
            warnOnce(
                lastWarning,
                "Task "
                    + id
                    + ": the deadline to "
                    + step.name().toLowerCase(Locale.ROOT)
                    + " passed before this node could; it will be timed out (penalised).");
      }
      stage(id, late ? "past the deadline of its stage" : waitingWords(s, part), started);
      if (late
          && Duration.between(lastTimeoutTry, Instant.now())
                  .compareTo(config.pollInterval().multipliedBy(10))
              > 0) {
        lastTimeoutTry = Instant.now();
        endStalledStage(id);
      }
      await(config.pollInterval());
    }
  }

  /** What this node has to do next in a task. */
  private enum Step {
    COMMIT,
    DISCLOSE,
    UPLOAD,
    WAIT
  }

  private Step nextStep(TaskState s, NodePart part) {
    boolean settling = s.status() == TaskStatus.DISCLOSING || s.status() == TaskStatus.SUCCESS;
    if (s.status() == TaskStatus.COMMITTING && part == NodePart.SELECTED) {
      return Step.COMMIT;
    }
    if (settling && part == NodePart.COMMITTED) {
      return Step.DISCLOSE;
    }
    if (s.status() == TaskStatus.SUCCESS
        && s.nodes().get(s.resultIndex()).equals(me)
        && !s.uploaded()) {
      return Step.UPLOAD;
    }
    return Step.WAIT;
  }

  /**
   * The time the chain will give the next block: a development chain that mines a block per
   * transaction runs ahead of the wall clock, a real one follows it.
   */
  private Instant chainNow() {
    Instant wall = Instant.now();
    try {
      Instant next = chain.latestBlockTime().plusSeconds(1);
      return next.isAfter(wall) ? next : wall;
    } catch (ChainException e) {
      return wall;
    }
  }

  /** Logs a warning unless it repeats {@code last}; returns it (the new last warning). */
  private String warnOnce(String last, String warning) {
    if (!warning.equals(last)) {
      log(NodeLogEntry.Level.WARN, warning);
    }
    return warning;
  }

  private static String waitingWords(TaskState s, NodePart part) {
    return switch (s.status()) {
      case COMMITTING -> "waiting for the other nodes to commit";
      case DISCLOSING -> "waiting for the other nodes to disclose";
      case SUCCESS -> part == NodePart.DISCLOSED ? "waiting to be settled" : "waiting";
      default -> "waiting";
    };
  }

  /** Past a stage's deadline, ends the wait for a silent node (it is penalised, the task freed). */
  private void endStalledStage(BigInteger id) {
    try {
      tasks.timeout(sender, id);
      log(
          NodeLogEntry.Level.WARN,
          "Task " + id + " passed its deadline: the silent nodes were timed out.");
    } catch (ChainException e) {
      LOG.debug("timeout of task {} refused: {}", id, e.getMessage());
    }
  }

  /** Fetches the args, checks them, runs the engine and stores the result and nonce. */
  private void produceResult(NodeStore.StoredTask t, TaskState s, boolean resumed)
      throws InterruptedException, IOException {
    BigInteger id = t.taskId();
    Instant started = t.seenAt();
    TaskResult result;
    String note = null;
    List<Path> images = List.of();
    Long inferenceMillis = null;
    stage(id, "fetching the task from the relay", started);
    long fetchStart = System.nanoTime();
    // Leave time to commit a task error when the args never come (a quarter of what is left, at
    // most a minute), so that no node is penalised for the creator's silence.
    Duration left = Duration.between(chainNow(), s.deadline());
    Duration margin = left.dividedBy(4);
    Optional<String> args =
        fetchArgs(
            id,
            s.deadline()
                .minus(
                    margin.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : margin));
    metrics.step("fetch_args", Duration.ofNanos(System.nanoTime() - fetchStart));
    if (args.isEmpty()) {
      note = "the creator did not upload the task's args to the relay in time";
      result = new TaskResult.Error(TaskResult.Error.INVALID_TASK);
    } else {
      ValidTask valid = null;
      try {
        valid = Tasks.parse(args.get().getBytes(StandardCharsets.UTF_8));
        if (!valid.hash().equalsIgnoreCase(t.taskHash())) {
          note =
              "the args from the relay hash to "
                  + valid.hash()
                  + ", not to the task hash on chain "
                  + t.taskHash();
          valid = null;
        }
      } catch (InvalidTaskException e) {
        note = "the task's args are invalid: " + e.getMessage();
      }
      if (valid == null) {
        result = new TaskResult.Error(TaskResult.Error.INVALID_TASK);
      } else {
        Path dir = store.imagesDir(id);
        Files.createDirectories(dir);
        stage(id, "running the engine", started);
        long inferenceStart = System.nanoTime();
        TaskResult produced;
        try {
          images = runner.run(valid, dir, (done, total) -> progress(id, started, done, total));
          produced = hashes(images);
        } catch (TaskRejectedException e) {
          note = e.getMessage();
          produced = e.error();
        } catch (CancellationException e) {
          throw new Stopped();
        } catch (IOException | RuntimeException e) {
          if (!running) {
            throw new Stopped();
          }
          note = "the engine failed on this machine: " + e.getMessage();
          produced = new TaskResult.Error(TaskResult.Error.MODEL_DOWNLOAD_FAILED);
        }
        if (!running) {
          throw new Stopped();
        }
        inferenceMillis = (System.nanoTime() - inferenceStart) / 1_000_000;
        metrics.step("inference", Duration.ofMillis(inferenceMillis));
        result = produced;
      }
    }
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    store.saveResult(id, result.bytes(), nonce, images.size(), inferenceMillis, note);
    if (result instanceof TaskResult.Error error) {
      log(
          NodeLogEntry.Level.WARN,
          "Task "
              + id
              + " cannot be run ("
              + note
              + "); reporting the task error "
              + errorWords(error)
              + " instead of images.");
    } else {
      log(
          NodeLogEntry.Level.INFO,
          "Task " + id + ": " + images.size() + " images in " + inferenceMillis + " ms.");
    }
    commit(store.task(id).orElseThrow(), resumed);
  }

  private Optional<String> fetchArgs(BigInteger id, Instant giveUpAt) throws InterruptedException {
    String lastProblem = null;
    while (running) {
      try {
        return Optional.of(relay.readArgs(id));
      } catch (RelayException | IOException e) {
        boolean notYet = e instanceof RelayException r && r.status() == 404;
        String problem = notYet ? "the creator has not uploaded the args yet" : e.getMessage();
        if (!problem.equals(lastProblem)) {
          log(
              notYet ? NodeLogEntry.Level.INFO : NodeLogEntry.Level.WARN,
              "Task " + id + ": waiting for its args from the relay (" + problem + ").");
          lastProblem = problem;
        }
      }
      if (chainNow().isAfter(giveUpAt)) {
        return Optional.empty();
      }
      await(config.pollInterval());
    }
    throw new Stopped();
  }

  private static TaskResult hashes(List<Path> images) throws IOException {
    long[] hashes = new long[images.size()];
    for (int i = 0; i < hashes.length; i++) {
      BufferedImage image = ImageIO.read(images.get(i).toFile());
      if (image == null) {
        throw new IOException("image " + images.get(i) + " cannot be decoded");
      }
      hashes[i] = PerceptualHash.of(image);
    }
    return new TaskResult.ImageHashes(hashes);
  }

  private void commit(NodeStore.StoredTask t, boolean resumed) {
    BigInteger id = t.taskId();
    stage(id, "committing the result", t.seenAt());
    store.setStage(id, NodeStore.Stage.COMMIT_SENT);
    TaskResult result = TaskResult.of(t.result());
    long start = System.nanoTime();
    tasks.commit(sender, id, TaskContract.commitment(result, t.nonce()));
    metrics.step("commit", Duration.ofNanos(System.nanoTime() - start));
    if (!resumed && t.inferenceMillis().isPresent()) {
      metrics.overhead(
          Duration.between(t.seenAt(), Instant.now()).minusMillis(t.inferenceMillis().getAsLong()));
    }
    log(NodeLogEntry.Level.INFO, "Task " + id + ": committed the result.");
  }

  private void disclose(NodeStore.StoredTask t) {
    BigInteger id = t.taskId();
    stage(id, "disclosing the result", t.seenAt());
    store.setStage(id, NodeStore.Stage.DISCLOSE_SENT);
    long start = System.nanoTime();
    tasks.disclose(sender, id, TaskResult.of(t.result()), t.nonce());
    metrics.step("disclose", Duration.ofNanos(System.nanoTime() - start));
    log(NodeLogEntry.Level.INFO, "Task " + id + ": disclosed the result.");
  }

  private void upload(NodeStore.StoredTask t) throws IOException {
    BigInteger id = t.taskId();
    stage(id, "uploading the images", t.seenAt());
    store.setStage(id, NodeStore.Stage.UPLOAD_SENT);
    long start = System.nanoTime();
    List<Path> images = new ArrayList<>();
    for (int i = 0; i < t.images(); i++) {
      images.add(store.imagesDir(id).resolve(i + ".png"));
    }
    try {
      relay.uploadResults(id, images);
    } catch (RelayException e) {
      if (e.status() != 409) {
        throw new IOException("the relay refused the images: " + e.getMessage(), e);
      }
      // 409: an upload before a restart reached the relay
    }
    tasks.reportUploaded(sender, id);
    metrics.step("upload", Duration.ofNanos(System.nanoTime() - start));
    log(NodeLogEntry.Level.INFO, "Task " + id + ": uploaded the images to the relay.");
  }

  private void finish(BigInteger id) {
    store.setStage(id, NodeStore.Stage.DONE);
    metrics.taskRun();
    current = null;
    refresh();
    publish();
  }

  private void stage(BigInteger id, String words, Instant started) {
    NodeSnapshot.CurrentTask before = current;
    boolean engine = words.equals("running the engine");
    current =
        new NodeSnapshot.CurrentTask(
            id,
            words,
            engine || before == null ? 0 : before.step(),
            engine || before == null ? 0 : before.totalSteps(),
            started);
    String now = "running task " + id + ": " + words;
    if (!now.equals(activity)) {
      activity = now;
      publish();
    }
  }

  /** Shows a model download of the running task as its stage, once per whole percent. */
  private void downloading(String file, long done, long total) {
    NodeSnapshot.CurrentTask task = current;
    if (task == null) {
      return;
    }
    String words = downloadWords(file, done, total);
    if (!words.equals(task.stage())) {
      current = new NodeSnapshot.CurrentTask(task.taskId(), words, 0, 0, task.started());
      publish();
    }
  }

  /** A download's progress in words: the file, the whole percent done and the size. */
  static String downloadWords(String file, long done, long total) {
    return total > 0
        ? "downloading " + file + ": " + done * 100 / total + "% of " + size(total)
        : "downloading " + file + ": " + size(done);
  }

  private static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return gib(bytes);
    }
    return bytes >= 1L << 20
        ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20))
        : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
  }

  private void progress(BigInteger id, Instant started, int done, int total) {
    current = new NodeSnapshot.CurrentTask(id, "running the engine", done, total, started);
    publish();
  }

  /** Waits for an event or the interval; throws when the node stops. */
  private void await(Duration interval) throws InterruptedException {
    if (!running) {
      throw new Stopped();
    }
    wake.tryAcquire(interval.toMillis(), TimeUnit.MILLISECONDS);
    wake.drainPermits();
    if (!running) {
      throw new Stopped();
    }
  }

  /** Thrown inside the worker when the node is stopped: it leaves at once, writing nothing. */
  private static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopped() {
      super("the node is stopping", null, false, false);
    }
  }

  // ---- snapshot, logs ----

  private void refresh() {
    try {
      lastRefresh = Instant.now();
      NodeInfo info = nodes.infoOf(me);
      status = info.status();
      wallet =
          new NodeSnapshot.Wallet(me, chain.etherBalance(me), token.balanceOf(me), info.stake());
    } catch (ChainException e) {
      LOG.debug("refreshing the balances failed: {}", e.getMessage());
    }
  }

  private void publish() {
    if (listeners.isEmpty()) {
      return;
    }
    NodeSnapshot snapshot = snapshot();
    for (NodeListener l : listeners) {
      try {
        l.onSnapshot(snapshot);
      } catch (RuntimeException e) {
        LOG.warn("a node listener failed", e);
      }
    }
  }

  private void log(NodeLogEntry.Level level, String message) {
    NodeLogEntry entry = new NodeLogEntry(Instant.now(), level, message);
    switch (level) {
      case INFO -> LOG.info("{}", message);
      case WARN -> LOG.warn("{}", message);
      case ERROR -> LOG.error("{}", message);
    }
    try {
      store.addLog(entry);
    } catch (IllegalStateException e) {
      LOG.debug("the log entry was not stored: {}", e.getMessage());
    }
    for (NodeListener l : listeners) {
      try {
        l.onLog(entry);
      } catch (RuntimeException e) {
        LOG.warn("a node listener failed", e);
      }
    }
  }

  private static String errorWords(TaskResult.Error error) {
    return switch (error.code()) {
      case TaskResult.Error.INVALID_TASK -> "INVALID_TASK";
      case TaskResult.Error.MODEL_DOWNLOAD_FAILED -> "MODEL_DOWNLOAD_FAILED";
      default -> "code " + error.code();
    };
  }

  private static String words(NodeStatus s) {
    return switch (s) {
      case QUIT -> "not joined";
      case AVAILABLE -> "available";
      case BUSY -> "busy";
      case PENDING_PAUSE -> "pausing after the task";
      case PENDING_QUIT -> "quitting after the task";
      case PAUSED -> "paused";
    };
  }

  static String cnx(BigInteger wei) {
    return new java.math.BigDecimal(wei, 18).stripTrailingZeros().toPlainString() + " CNX";
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
  }

  // ---- stopping ----

  /**
   * Stops at once, wherever the task is: the threads are interrupted and nothing more is written
   * (no clean-shutdown state is needed: the database always holds what a restart needs, as after a
   * crash); the task runner is closed with it. To leave the network first, use {@link
   * #quitAndWait}.
   */
  @Override
  public void close() {
    running = false;
    worker.interrupt();
    control.shutdownNow();
    if (watcher != null) {
      watcher.close();
    }
    try {
      worker.join(10_000);
      control.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runner.close();
    chain.close();
    store.close();
  }
}

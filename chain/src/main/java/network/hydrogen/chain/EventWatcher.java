package network.hydrogen.chain;

import io.reactivex.disposables.Disposable;
import java.math.BigInteger;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.websocket.WebSocketService;

/**
 * Delivers the contracts' events in chain order from a given block on: it reads logs with
 * eth_getLogs every poll interval, and sooner when a WebSocket new-block subscription (optional)
 * announces a block, so a broken or missing WebSocket only makes it slower. After a restart, start
 * again from the block after the last one {@link Listener#onBlocksProcessed} reported.
 */
public final class EventWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventWatcher.class);
  private static final long MAX_BLOCKS_PER_QUERY = 2_000;

  /** A decoded event and where it is on the chain. */
  public record LoggedEvent(
      ContractEvent event, long blockNumber, long logIndex, String transactionHash) {}

  /** Receives events in order; called from the watcher's thread. */
  public interface Listener {
    void onEvent(LoggedEvent event);

    /** Every event up to and including {@code block} was delivered: persist it to resume. */
    default void onBlocksProcessed(long block) {}
  }

  private final Chain chain;
  private final List<String> addresses;
  private final Listener listener;
  private final Duration pollInterval;
  private final Semaphore wake = new Semaphore(0);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long nextBlock;
  private WebSocketService webSocket;
  private Disposable subscription;

  private EventWatcher(
      Chain chain,
      List<String> addresses,
      long fromBlock,
      Duration pollInterval,
      Listener listener) {
    this.chain = chain;
    this.addresses = List.copyOf(addresses);
    this.nextBlock = fromBlock;
    this.pollInterval = pollInterval;
    this.listener = listener;
    this.thread = Thread.ofPlatform().daemon().name("event-watcher").unstarted(this::loop);
  }

  /**
   * Starts watching {@code addresses} from {@code fromBlock}. With a WebSocket URL, new blocks wake
   * the watcher at once; without one (or when it fails) it polls every {@code pollInterval}.
   */
  public static EventWatcher start(
      Chain chain,
      List<String> addresses,
      long fromBlock,
      Duration pollInterval,
      Optional<String> webSocketUrl,
      Listener listener) {
    if (fromBlock < 0) {
      throw new IllegalArgumentException("fromBlock must be >= 0: " + fromBlock);
    }
    EventWatcher watcher = new EventWatcher(chain, addresses, fromBlock, pollInterval, listener);
    webSocketUrl.ifPresent(watcher::subscribe);
    watcher.thread.start();
    return watcher;
  }

  /** The next block whose events are not delivered yet. */
  public long nextBlock() {
    return nextBlock;
  }

  /** True while new blocks are pushed over a WebSocket (else it only polls). */
  public boolean pushed() {
    return subscription != null && !subscription.isDisposed();
  }

  private void subscribe(String url) {
    try {
      WebSocketService service = new WebSocketService(url, false);
      service.connect();
      webSocket = service;
      subscription =
          Web3j.build(service)
              .newHeadsNotifications()
              .subscribe(
                  head -> wake.release(),
                  error ->
                      LOG.warn(
                          "block subscription at {} failed, polling: {}", url, error.toString()));
    } catch (ConnectException | RuntimeException e) {
      LOG.warn("no WebSocket at {}, polling every {}: {}", url, pollInterval, e.toString());
    }
  }

  private void loop() {
    while (running) {
      try {
        poll();
      } catch (RuntimeException e) {
        LOG.warn("reading events failed, retrying: {}", e.toString());
      }
      try {
        wake.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        wake.drainPermits();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void poll() {
    long latest = chain.blockNumber();
    while (running && nextBlock <= latest) {
      long from = nextBlock;
      long to = Math.min(latest, from + MAX_BLOCKS_PER_QUERY - 1);
      EthFilter filter =
          new EthFilter(
              DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
              DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
              addresses);
      EthLog result = chain.rpc(chain.web3j().ethGetLogs(filter), "eth_getLogs");
      List<Log> logs =
          result.getLogs().stream()
              .map(r -> (Log) r.get())
              .sorted(Comparator.comparing(Log::getBlockNumber).thenComparing(Log::getLogIndex))
              .toList();
      for (Log log : logs) {
        Optional<ContractEvent> event = EventCodec.decode(log);
        if (event.isPresent()) {
          listener.onEvent(
              new LoggedEvent(
                  event.get(),
                  log.getBlockNumber().longValueExact(),
                  log.getLogIndex().longValueExact(),
                  log.getTransactionHash()));
        }
      }
      nextBlock = to + 1;
      listener.onBlocksProcessed(to);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    if (subscription != null) {
      subscription.dispose();
    }
    if (webSocket != null) {
      webSocket.close();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

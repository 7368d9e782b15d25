package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalChainExtension.class)
class EventWatcherTest {
  private static final class Collector implements EventWatcher.Listener {
    final List<EventWatcher.LoggedEvent> events = new CopyOnWriteArrayList<>();
    final AtomicLong processed = new AtomicLong(-1);

    @Override
    public void onEvent(EventWatcher.LoggedEvent event) {
      events.add(event);
    }

    @Override
    public void onBlocksProcessed(long block) {
      processed.set(block);
    }

    List<ContractEvent> awaitEvents(int count) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (events.size() < count && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return events.stream().map(EventWatcher.LoggedEvent::event).toList();
    }
  }

  @Test
  void pollingDeliversEventsInOrderAndResumesAfterARestart(LocalChain c) throws Exception {
    List<String> contracts = List.of(c.nodes.address());
    Collector first = new Collector();
    long from = c.deployment.deployedAtBlock();
    try (EventWatcher watcher =
        EventWatcher.start(
            c.chain, contracts, from, Duration.ofMillis(50), Optional.empty(), first)) {
      c.join(1, 1);
      List<ContractEvent> events = first.awaitEvents(3);
      String node = c.address(1).toLowerCase();
      assertThat(events)
          .startsWith(
              new ContractEvent.TaskContractChanged(c.tasks.address().toLowerCase()),
              new ContractEvent.NodeJoined(node, "Test GPU 1", 1, TokenContract.cnx(400)),
              new ContractEvent.NodeStatusChanged(node, NodeStatus.QUIT, NodeStatus.AVAILABLE));
      assertThat(watcher.pushed()).isFalse();
    }
    // Restart from the block after the last processed one: only new events, no repeats.
    long resumeAt = first.processed.get() + 1;
    c.nodes.pause(c.sender(1));
    Collector second = new Collector();
    try (EventWatcher watcher =
        EventWatcher.start(
            c.chain, contracts, resumeAt, Duration.ofMillis(50), Optional.empty(), second)) {
      List<ContractEvent> events = second.awaitEvents(1);
      assertThat(events)
          .containsExactly(
              new ContractEvent.NodeStatusChanged(
                  c.address(1).toLowerCase(), NodeStatus.AVAILABLE, NodeStatus.PAUSED));
    }
  }

  @Test
  void aWebSocketWakesTheWatcherWithoutWaitingForThePollInterval(LocalChain c) throws Exception {
    Collector collector = new Collector();
    String ws = c.hardhat.rpcUrl().replace("http://", "ws://");
    try (EventWatcher watcher =
        EventWatcher.start(
            c.chain,
            List.of(c.token.address()),
            c.chain.blockNumber() + 1,
            Duration.ofMinutes(5),
            Optional.of(ws),
            collector)) {
      assertThat(watcher.pushed()).isTrue();
      c.fund(2, TokenContract.cnx(5));
      assertThat(collector.awaitEvents(1))
          .containsExactly(
              new ContractEvent.Transfer(
                  c.owner.address().toLowerCase(),
                  c.address(2).toLowerCase(),
                  TokenContract.cnx(5)));
    }
  }

  @Test
  void aMissingWebSocketFallsBackToPolling(LocalChain c) throws Exception {
    Collector collector = new Collector();
    try (EventWatcher watcher =
        EventWatcher.start(
            c.chain,
            List.of(c.token.address()),
            c.chain.blockNumber() + 1,
            Duration.ofMillis(50),
            Optional.of("ws://127.0.0.1:1"),
            collector)) {
      assertThat(watcher.pushed()).isFalse();
      c.fund(3, TokenContract.cnx(1));
      assertThat(collector.awaitEvents(1)).hasSize(1);
    }
  }
}

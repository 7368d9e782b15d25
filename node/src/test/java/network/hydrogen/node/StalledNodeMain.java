package network.hydrogen.node;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * A node process for the kill -9 test: starts from a config file, joins, prints "inference started"
 * when it begins a task and stalls there until it is killed.
 */
public final class StalledNodeMain {
  private StalledNodeMain() {}

  public static void main(String[] args) throws Exception {
    NodeConfig config = NodeConfig.load(Path.of(args[0]), Map.of());
    NodeDaemon daemon =
        NodeDaemon.start(
            config,
            (task, dir, progress) -> {
              System.out.println("inference started");
              System.out.flush();
              try {
                Thread.sleep(Long.MAX_VALUE);
              } catch (InterruptedException e) {
                throw new CancellationException("interrupted");
              }
              throw new IllegalStateException("unreachable");
            });
    daemon.join();
    System.out.println("started " + daemon.address());
    System.out.flush();
    Thread.currentThread().join();
  }
}

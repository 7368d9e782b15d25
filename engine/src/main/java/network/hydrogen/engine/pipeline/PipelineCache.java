package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.WeightSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the networks of the last task open for the next one, so that a node running task after task
 * on one model does not rebuild the sessions whose weights stay the same: switching the LoRA
 * rebuilds only the networks it patches (from the model's mapped files and the patches), and the
 * VAE, and the text encoders when the LoRA has no text encoder modules, are reused as they are.
 *
 * <p>One network per slot (which network of which model: {@code unet}, {@code
 * refiner.text_encoder_2}, ...): a task that needs other weights in a slot closes the old session
 * before it opens the new one, and a lease's end closes the sessions of the slots its task did not
 * use, so between tasks only the last task's networks are open. One lease at a time: {@link
 * #lease()} waits for the previous one to end. {@link #close()} closes every session; a later lease
 * starts empty.
 */
public final class PipelineCache implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PipelineCache.class);

  /** What a session was opened on: it is reused for a request with the same key. */
  private record Key(String graph, Object config, String weights, InferenceOptions options) {}

  private record Entry(Key key, AutoCloseable network) {}

  private final Semaphore leases = new Semaphore(1);
  private final Map<String, Entry> slots = new LinkedHashMap<>();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong reused = new AtomicLong();

  /**
   * The cache for one task's pipelines, until the lease is closed; waits while another lease is
   * open.
   *
   * @throws CancellationException when the thread is interrupted while waiting
   */
  public Lease lease() {
    try {
      leases.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for the pipeline cache");
    }
    return new Lease();
  }

  /** How many sessions this cache has opened. */
  public long opened() {
    return opened.get();
  }

  /** How many times a session was handed out again instead of being opened. */
  public long reused() {
    return reused.get();
  }

  /** How many sessions are open now. */
  public int open() {
    leases.acquireUninterruptibly();
    try {
      return slots.size();
    } finally {
      leases.release();
    }
  }

  /** Closes every session, waiting for an open lease to end first. */
  @Override
  public void close() {
    leases.acquireUninterruptibly();
    try {
      slots.values().forEach(entry -> closeNetwork(entry.network()));
      slots.clear();
    } finally {
      leases.release();
    }
  }

  static void closeNetwork(AutoCloseable network) {
    try {
      network.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot close " + network, e);
    }
  }

  /** One task's use of the cache: the {@link Networks} its pipelines load through. */
  public final class Lease implements Networks, AutoCloseable {

    private final Set<String> used = new HashSet<>();
    private boolean ended;

    private Lease() {}

    @Override
    @SuppressWarnings("unchecked") // the key's graph and config fix the session's type
    public <N extends AutoCloseable> N network(
        String slot,
        String graph,
        Object config,
        WeightSource weights,
        InferenceOptions options,
        Opener<N> opener)
        throws IOException {
      if (ended) {
        throw new IllegalStateException("this pipeline cache lease has ended");
      }
      Key key = new Key(graph, config, weights.describe(), options);
      Entry entry = slots.get(slot);
      if (entry != null && entry.key().equals(key)) {
        used.add(slot);
        reused.incrementAndGet();
        return (N) entry.network();
      }
      if (!used.add(slot)) {
        throw new IllegalStateException(
            "slot " + slot + " already holds another network in this task");
      }
      if (entry != null) {
        slots.remove(slot);
        closeNetwork(entry.network());
      }
      N network = opener.open();
      opened.incrementAndGet();
      slots.put(slot, new Entry(key, network));
      LOG.debug("opened {} for {} on {}", graph, slot, key.weights());
      return network;
    }

    /** Keeps the network open for the next task. */
    @Override
    public void release(AutoCloseable network) {}

    /** Closes the sessions of the slots this task did not use and lets the next lease begin. */
    @Override
    public void close() {
      if (ended) {
        return;
      }
      ended = true;
      try {
        for (Iterator<Map.Entry<String, Entry>> it = slots.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<String, Entry> slot = it.next();
          if (!used.contains(slot.getKey())) {
            it.remove();
            closeNetwork(slot.getValue().network());
          }
        }
      } finally {
        leases.release();
      }
    }
  }
}

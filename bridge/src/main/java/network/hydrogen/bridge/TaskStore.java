package network.hydrogen.bridge;

import java.io.IOException;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import network.hydrogen.chain.AbortReason;
import network.hydrogen.task.ValidTask;
import org.flywaydb.core.Flyway;

/**
 * The bridge's task table in SQLite or PostgreSQL (one schema, Flyway migrations under {@code
 * db/bridge}, portable SQL). One connection, serialised: every method is a few small statements.
 * Each change of a task is reported to the change listener (the SSE streams).
 */
final class TaskStore implements AutoCloseable {
  /** A step in a task's timeline. */
  record Event(Instant at, BridgeTask.Status status, String detail) {}

  /** One creation of a task on chain. */
  record Attempt(BigInteger chainTaskId, int attempt, BigInteger fee, Instant createdAt) {}

  private static final String COLUMNS =
      "id, owner, task_json, task_hash, num_images, vram, status, attempt, chain_task_id,"
          + " submit_block, args_uploaded, committed, disclosed, cancel_requested, images, reason,"
          + " created_at, updated_at";

  private final Connection db;
  private volatile Consumer<String> onChange = id -> {};

  private TaskStore(Connection db) {
    this.db = db;
  }

  /** Opens (and migrates) the database at a JDBC URL. */
  static TaskStore open(String jdbcUrl) throws IOException {
    try {
      Flyway.configure()
          .dataSource(jdbcUrl, null, null)
          .locations("classpath:db/bridge")
          .table("bridge_schema_history")
          .load()
          .migrate();
      Connection c = DriverManager.getConnection(jdbcUrl);
      if (jdbcUrl.startsWith("jdbc:sqlite:")) {
        try (var st = c.createStatement()) {
          st.execute("PRAGMA journal_mode=WAL");
          st.execute("PRAGMA synchronous=FULL");
        }
      }
      return new TaskStore(c);
    } catch (SQLException | RuntimeException e) {
      throw new IOException("cannot open the bridge database: " + e.getMessage(), e);
    }
  }

  /** Who hears of every change (by task id). */
  void onChange(Consumer<String> listener) {
    this.onChange = listener;
  }

  /** Stores a new queued task. */
  synchronized BridgeTask insert(String id, String owner, ValidTask task, long vram) {
    long now = System.currentTimeMillis();
    update(
        "INSERT INTO bridge_tasks ("
            + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, ?, ?)",
        id,
        owner,
        task.canonicalJson(),
        task.hash(),
        task.args().taskConfig().numImages(),
        vram,
        BridgeTask.Status.QUEUED.name(),
        now,
        now);
    event(id, BridgeTask.Status.QUEUED, "waiting for three free nodes");
    return find(id).orElseThrow();
  }

  synchronized Optional<BridgeTask> find(String id) {
    List<BridgeTask> found = query("SELECT " + COLUMNS + " FROM bridge_tasks WHERE id = ?", id);
    return found.stream().findFirst();
  }

  /** The newest tasks of one key, newest first. */
  synchronized List<BridgeTask> list(String owner, int limit) {
    return query(
        "SELECT "
            + COLUMNS
            + " FROM bridge_tasks WHERE owner = ? ORDER BY created_at DESC, id LIMIT "
            + Math.max(1, limit),
        owner);
  }

  /** Tasks in any of these states, oldest first. */
  synchronized List<BridgeTask> withStatus(Set<BridgeTask.Status> statuses) {
    List<BridgeTask> out = new ArrayList<>();
    for (BridgeTask.Status s : statuses) {
      out.addAll(query("SELECT " + COLUMNS + " FROM bridge_tasks WHERE status = ?", s.name()));
    }
    out.sort(java.util.Comparator.comparing(BridgeTask::createdAt).thenComparing(BridgeTask::id));
    return out;
  }

  synchronized List<Event> events(String id) {
    List<Event> out = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT at_ms, status, detail FROM bridge_task_events WHERE task_id = ? ORDER BY seq")) {
      st.setString(1, id);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Event(
                  Instant.ofEpochMilli(rs.getLong(1)),
                  BridgeTask.Status.valueOf(rs.getString(2)),
                  rs.getString(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  synchronized List<Attempt> attempts(String id) {
    List<Attempt> out = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT chain_task_id, attempt, fee_wei, created_at FROM bridge_attempts"
                + " WHERE task_id = ? ORDER BY attempt")) {
      st.setString(1, id);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Attempt(
                  new BigInteger(rs.getString(1)),
                  rs.getInt(2),
                  new BigInteger(rs.getString(3)),
                  Instant.ofEpochMilli(rs.getLong(4))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** The CNX refunded to the bridge for all attempts of a task, in wei. */
  synchronized BigInteger refunded(String id) {
    BigInteger sum = BigInteger.ZERO;
    for (String v :
        strings(
            "SELECT e.value FROM bridge_chain_events e JOIN bridge_attempts a"
                + " ON e.chain_task_id = a.chain_task_id WHERE a.task_id = ? AND e.kind = 'refund'",
            id)) {
      sum = sum.add(new BigInteger(v));
    }
    return sum;
  }

  /** Why a chain task was aborted, once its TaskAborted event was seen. */
  synchronized Optional<AbortReason> abortReason(BigInteger chainTaskId) {
    return strings(
            "SELECT value FROM bridge_chain_events WHERE chain_task_id = ? AND kind = 'aborted'",
            chainTaskId.toString())
        .stream()
        .findFirst()
        .map(AbortReason::valueOf);
  }

  /** True when the chain task is an attempt of one of our tasks. */
  synchronized boolean isOurs(BigInteger chainTaskId) {
    return !strings(
            "SELECT task_id FROM bridge_attempts WHERE chain_task_id = ?", chainTaskId.toString())
        .isEmpty();
  }

  /** Records a chain event once (by transaction and log index); returns the task it concerns. */
  synchronized Optional<String> chainEvent(
      String txHash, long logIndex, BigInteger chainTaskId, String kind, String value) {
    List<String> owner =
        strings(
            "SELECT task_id FROM bridge_attempts WHERE chain_task_id = ?", chainTaskId.toString());
    if (owner.isEmpty()) {
      return Optional.empty();
    }
    update(
        "INSERT INTO bridge_chain_events (tx_hash, log_index, chain_task_id, kind, value)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        txHash,
        logIndex,
        chainTaskId.toString(),
        kind,
        value);
    changed(owner.getFirst());
    return Optional.of(owner.getFirst());
  }

  /** QUEUED → SUBMITTING, remembering the block before the createTask; false if not queued. */
  private static final String CHAIN_STATE = "chain";

  synchronized boolean claim(String id, long block) {
    int n =
        update(
            "UPDATE bridge_tasks SET status = ?, submit_block = ?, updated_at = ?"
                + " WHERE id = ? AND status = ?",
            BridgeTask.Status.SUBMITTING.name(),
            block,
            System.currentTimeMillis(),
            id,
            BridgeTask.Status.QUEUED.name());
    if (n == 1) {
      event(id, BridgeTask.Status.SUBMITTING, "creating the task on chain");
    }
    return n == 1;
  }

  /**
   * Records that a submitting task was created on chain as {@code chainTaskId} (idempotent: the
   * createTask receipt and the TaskCreated event both report it).
   */
  synchronized boolean created(String id, BigInteger chainTaskId, BigInteger fee) {
    if (isOurs(chainTaskId)) {
      return false;
    }
    Optional<BridgeTask> task = find(id);
    if (task.isEmpty() || task.get().status() != BridgeTask.Status.SUBMITTING) {
      return false;
    }
    int attempt = task.get().attempt() + 1;
    long now = System.currentTimeMillis();
    update(
        "INSERT INTO bridge_attempts (chain_task_id, task_id, attempt, fee_wei, created_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        chainTaskId.toString(),
        id,
        attempt,
        fee.toString(),
        now);
    update(
        "UPDATE bridge_tasks SET status = ?, attempt = ?, chain_task_id = ?, args_uploaded = 0,"
            + " committed = 0, disclosed = 0, updated_at = ? WHERE id = ?",
        BridgeTask.Status.CREATED.name(),
        attempt,
        chainTaskId.toString(),
        now,
        id);
    event(
        id,
        BridgeTask.Status.CREATED,
        "created on chain as task " + chainTaskId + " (attempt " + attempt + ")");
    return true;
  }

  /** The submitting task with this task hash that has no chain task yet (for adoption). */
  synchronized Optional<String> submitting(String taskHash) {
    return strings(
            "SELECT id FROM bridge_tasks WHERE status = ? AND task_hash = ? ORDER BY created_at",
            BridgeTask.Status.SUBMITTING.name(),
            taskHash)
        .stream()
        .findFirst();
  }

  synchronized void argsUploaded(String id) {
    update("UPDATE bridge_tasks SET args_uploaded = 1 WHERE id = ?", id);
  }

  /** The nodes' progress on the current attempt; CREATED becomes RUNNING at the first commit. */
  synchronized void progress(String id, int committed, int disclosed, String detail) {
    BridgeTask t = find(id).orElseThrow();
    if (t.committed() == committed && t.disclosed() == disclosed) {
      return;
    }
    boolean starts = t.status() == BridgeTask.Status.CREATED && committed > 0;
    update(
        "UPDATE bridge_tasks SET committed = ?, disclosed = ?, status = ?, updated_at = ?"
            + " WHERE id = ?",
        committed,
        disclosed,
        (starts ? BridgeTask.Status.RUNNING : t.status()).name(),
        System.currentTimeMillis(),
        id);
    if (starts) {
      event(id, BridgeTask.Status.RUNNING, detail);
    } else {
      changed(id);
    }
  }

  /**
   * Moves a task from one of {@code from} to {@code to} with a reason (null to keep none); false
   * when it was not in any of {@code from}.
   */
  synchronized boolean transition(
      String id, Set<BridgeTask.Status> from, BridgeTask.Status to, String reason, String detail) {
    Optional<BridgeTask> t = find(id);
    if (t.isEmpty() || !from.contains(t.get().status())) {
      return false;
    }
    boolean requeue = to == BridgeTask.Status.QUEUED;
    update(
        "UPDATE bridge_tasks SET status = ?, reason = ?, updated_at = ?"
            + (requeue ? ", chain_task_id = NULL, committed = 0, disclosed = 0" : "")
            + " WHERE id = ?",
        to.name(),
        reason,
        System.currentTimeMillis(),
        id);
    event(id, to, detail);
    return true;
  }

  synchronized void succeeded(String id, int images) {
    update(
        "UPDATE bridge_tasks SET status = ?, images = ?, updated_at = ? WHERE id = ?",
        BridgeTask.Status.SUCCEEDED.name(),
        images,
        System.currentTimeMillis(),
        id);
    event(id, BridgeTask.Status.SUCCEEDED, images + (images == 1 ? " image" : " images"));
  }

  synchronized void requestCancel(String id) {
    update("UPDATE bridge_tasks SET cancel_requested = 1 WHERE id = ?", id);
  }

  /**
   * Records that the store now belongs to {@code chain}; when it belonged to another (a development
   * chain started again), the tasks that were on it are queued again and what the store knew of
   * that chain's task ids and events is forgotten, since the new chain hands the ids out again. The
   * tasks, their timelines and their images stay.
   *
   * @return how many tasks were queued again, or -1 when it is the same chain
   */
  synchronized int moveTo(String chain, Set<BridgeTask.Status> onChain, String nextBlockState) {
    boolean other = state(CHAIN_STATE).filter(known -> !known.equals(chain)).isPresent();
    int requeued = -1;
    if (other) {
      requeued = 0;
      for (BridgeTask t : withStatus(onChain)) {
        if (transition(
            t.id(),
            onChain,
            BridgeTask.Status.QUEUED,
            null,
            "the chain was started again; queued for the new one")) {
          requeued++;
        }
      }
      update("DELETE FROM bridge_attempts");
      update("DELETE FROM bridge_chain_events");
      update("DELETE FROM bridge_state WHERE name = ?", nextBlockState);
    }
    state(CHAIN_STATE, chain);
    return requeued;
  }

  synchronized Optional<String> state(String name) {
    return strings("SELECT value FROM bridge_state WHERE name = ?", name).stream().findFirst();
  }

  synchronized void state(String name, String value) {
    if (update("UPDATE bridge_state SET value = ? WHERE name = ?", value, name) == 0) {
      update("INSERT INTO bridge_state (name, value) VALUES (?, ?)", name, value);
    }
  }

  private void event(String id, BridgeTask.Status status, String detail) {
    List<String> last = strings("SELECT MAX(seq) FROM bridge_task_events WHERE task_id = ?", id);
    int seq = last.isEmpty() || last.getFirst() == null ? 0 : Integer.parseInt(last.getFirst()) + 1;
    update(
        "INSERT INTO bridge_task_events (task_id, seq, at_ms, status, detail) VALUES (?, ?, ?, ?, ?)",
        id,
        seq,
        System.currentTimeMillis(),
        status.name(),
        detail);
    changed(id);
  }

  private void changed(String id) {
    onChange.accept(id);
  }

  private List<BridgeTask> query(String sql, Object... args) {
    try (PreparedStatement st = prepare(sql, args);
        ResultSet rs = st.executeQuery()) {
      List<BridgeTask> out = new ArrayList<>();
      while (rs.next()) {
        String chainId = rs.getString(9);
        long submitBlock = rs.getLong(10);
        Long block = rs.wasNull() ? null : submitBlock;
        out.add(
            new BridgeTask(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getInt(5),
                rs.getLong(6),
                BridgeTask.Status.valueOf(rs.getString(7)),
                rs.getInt(8),
                chainId == null ? null : new BigInteger(chainId),
                block,
                rs.getInt(11) != 0,
                rs.getInt(12),
                rs.getInt(13),
                rs.getInt(14) != 0,
                rs.getInt(15),
                rs.getString(16),
                Instant.ofEpochMilli(rs.getLong(17)),
                Instant.ofEpochMilli(rs.getLong(18))));
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private List<String> strings(String sql, Object... args) {
    try (PreparedStatement st = prepare(sql, args);
        ResultSet rs = st.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private int update(String sql, Object... args) {
    try (PreparedStatement st = prepare(sql, args)) {
      return st.executeUpdate();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement st = db.prepareStatement(sql);
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      switch (a) {
        case null -> st.setNull(i + 1, Types.VARCHAR);
        case String s -> st.setString(i + 1, s);
        case Integer n -> st.setInt(i + 1, n);
        case Long n -> st.setLong(i + 1, n);
        default -> throw new IllegalArgumentException("unsupported parameter " + a.getClass());
      }
    }
    return st;
  }

  private static IllegalStateException failure(SQLException e) {
    return new IllegalStateException("bridge database: " + e.getMessage(), e);
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw failure(e);
    }
  }
}

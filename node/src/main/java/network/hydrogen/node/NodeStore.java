package network.hydrogen.node;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.flywaydb.core.Flyway;

/**
 * The node's database (SQLite, schema by Flyway migrations under {@code db/node}, fsynced on every
 * write): the tasks it was selected for with the result and nonce it commits to (stored before the
 * commit is sent), their outcome, the log, and the last block whose events were handled. Images lie
 * next to it under {@code images/<task id>/}.
 */
final class NodeStore implements AutoCloseable {

  /** The last step of a task begun; each is written before its chain transaction is sent. */
  enum Stage {
    RECEIVED,
    RESULT_READY,
    COMMIT_SENT,
    DISCLOSE_SENT,
    UPLOAD_SENT,
    DONE
  }

  /** A task as stored. {@code result} and {@code nonce} are null before the result is ready. */
  record StoredTask(
      BigInteger taskId,
      String taskHash,
      Instant seenAt,
      Stage stage,
      byte[] result,
      byte[] nonce,
      int images,
      OptionalLong inferenceMillis,
      String note,
      String outcome,
      BigInteger earned,
      Instant endedAt) {}

  private static final HexFormat HEX = HexFormat.of();
  private final Path dir;
  private final Connection db;

  private NodeStore(Path dir, Connection db) {
    this.dir = dir;
    this.db = db;
  }

  static NodeStore open(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("images"));
    String url = "jdbc:sqlite:" + dir.resolve("node.db").toAbsolutePath();
    Flyway.configure().dataSource(url, null, null).locations("classpath:db/node").load().migrate();
    try {
      Connection c = DriverManager.getConnection(url);
      try (var st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
      }
      return new NodeStore(dir, c);
    } catch (SQLException e) {
      throw new IOException("cannot open the node database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The folder of a task's images. */
  Path imagesDir(BigInteger taskId) {
    return dir.resolve("images").resolve(taskId.toString());
  }

  /** The chain (and Task contract) this store's tasks and event position belong to, if known. */
  synchronized Optional<String> chain() {
    return setting("chain");
  }

  /**
   * Records that the store now belongs to {@code chain}; when it belonged to another, forgets the
   * event position and the tasks, whose ids the new chain hands out again (the logs stay).
   *
   * @return how many tasks of the other chain were forgotten, or -1 when it is the same chain
   */
  synchronized int moveTo(String chain) {
    boolean other = chain().filter(known -> !known.equals(chain)).isPresent();
    int forgotten = -1;
    if (other) {
      update("DELETE FROM settings WHERE key = 'last_block'");
      forgotten = update("DELETE FROM tasks");
    }
    setSetting("chain", chain);
    return forgotten;
  }

  synchronized OptionalLong lastBlock() {
    return setting("last_block")
        .map(value -> OptionalLong.of(Long.parseLong(value)))
        .orElse(OptionalLong.empty());
  }

  synchronized void setLastBlock(long block) {
    setSetting("last_block", Long.toString(block));
  }

  private Optional<String> setting(String key) {
    try (PreparedStatement st = db.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
      st.setString(1, key);
      ResultSet rs = st.executeQuery();
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private void setSetting(String key, String value) {
    update(
        "INSERT INTO settings(key, value) VALUES (?, ?)"
            + " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value);
  }

  /** Records a task this node was selected for; false when it was known already. */
  synchronized boolean addTask(BigInteger taskId, String taskHash, Instant seenAt) {
    return update(
            "INSERT INTO tasks(task_id, task_hash, seen_at, stage) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING",
            taskId.toString(),
            taskHash,
            seenAt.toEpochMilli(),
            Stage.RECEIVED.name())
        == 1;
  }

  synchronized Optional<StoredTask> task(BigInteger taskId) {
    List<StoredTask> found = query("WHERE task_id = ?", taskId.toString());
    return found.stream().findFirst();
  }

  /** The oldest task not done yet. */
  synchronized Optional<StoredTask> nextOpenTask() {
    return query("WHERE stage <> 'DONE' ORDER BY seen_at, CAST(task_id AS INTEGER) LIMIT 1")
        .stream()
        .findFirst();
  }

  /** The tasks, newest first. */
  synchronized List<StoredTask> history(int limit) {
    return query("ORDER BY seen_at DESC, CAST(task_id AS INTEGER) DESC LIMIT " + limit);
  }

  /** Stores the result and nonce to commit to (the images are written already). */
  synchronized void saveResult(
      BigInteger taskId,
      byte[] result,
      byte[] nonce,
      int images,
      Long inferenceMillis,
      String note) {
    update(
        "UPDATE tasks SET result = ?, nonce = ?, images = ?, inference_ms = ?, note = ?, stage = ?"
            + " WHERE task_id = ?",
        HEX.formatHex(result),
        HEX.formatHex(nonce),
        images,
        inferenceMillis,
        note,
        Stage.RESULT_READY.name(),
        taskId.toString());
  }

  synchronized void setStage(BigInteger taskId, Stage stage) {
    if (stage == Stage.DONE) {
      update(
          "UPDATE tasks SET stage = ?, ended_at = ? WHERE task_id = ?",
          stage.name(),
          Instant.now().toEpochMilli(),
          taskId.toString());
    } else {
      update("UPDATE tasks SET stage = ? WHERE task_id = ?", stage.name(), taskId.toString());
    }
  }

  /**
   * Records how a task ended for this node; with {@code onlyFirst}, only when no outcome is known
   * yet (a task's abort does not hide the penalty that caused it).
   */
  synchronized void setOutcome(
      BigInteger taskId, String outcome, BigInteger earned, boolean onlyFirst) {
    update(
        "UPDATE tasks SET outcome = ?, earned = ? WHERE task_id = ?"
            + (onlyFirst ? " AND outcome IS NULL" : ""),
        outcome,
        earned.toString(),
        taskId.toString());
  }

  synchronized void addLog(NodeLogEntry entry) {
    update(
        "INSERT INTO logs(time, level, message) VALUES (?, ?, ?)",
        entry.time().toEpochMilli(),
        entry.level().name(),
        entry.message());
  }

  /** The latest {@code limit} log entries, oldest first. */
  synchronized List<NodeLogEntry> logs(int limit) {
    List<NodeLogEntry> out = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT time, level, message FROM (SELECT * FROM logs ORDER BY id DESC LIMIT ?)"
                + " ORDER BY id")) {
      st.setInt(1, limit);
      ResultSet rs = st.executeQuery();
      while (rs.next()) {
        out.add(
            new NodeLogEntry(
                Instant.ofEpochMilli(rs.getLong(1)),
                NodeLogEntry.Level.valueOf(rs.getString(2)),
                rs.getString(3)));
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private List<StoredTask> query(String where, Object... args) {
    List<StoredTask> out = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT task_id, task_hash, seen_at, stage, result, nonce, images, inference_ms,"
                + " note, outcome, earned, ended_at FROM tasks "
                + where)) {
      bind(st, args);
      ResultSet rs = st.executeQuery();
      while (rs.next()) {
        long inference = rs.getLong(8);
        OptionalLong inferenceMillis =
            rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(inference);
        long ended = rs.getLong(12);
        Instant endedAt = rs.wasNull() ? null : Instant.ofEpochMilli(ended);
        String earned = rs.getString(11);
        out.add(
            new StoredTask(
                new BigInteger(rs.getString(1)),
                rs.getString(2),
                Instant.ofEpochMilli(rs.getLong(3)),
                Stage.valueOf(rs.getString(4)),
                hex(rs.getString(5)),
                hex(rs.getString(6)),
                rs.getInt(7),
                inferenceMillis,
                rs.getString(9),
                rs.getString(10),
                earned == null ? null : new BigInteger(earned),
                endedAt));
      }
      return out;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private static byte[] hex(String s) {
    return s == null ? null : HEX.parseHex(s);
  }

  private int update(String sql, Object... args) {
    try (PreparedStatement st = db.prepareStatement(sql)) {
      bind(st, args);
      return st.executeUpdate();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private static void bind(PreparedStatement st, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      st.setObject(i + 1, args[i]);
    }
  }

  private static IllegalStateException failure(SQLException e) {
    return new IllegalStateException("node database: " + e.getMessage(), e);
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

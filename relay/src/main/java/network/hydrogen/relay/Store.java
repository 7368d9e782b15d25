package network.hydrogen.relay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * The relay's storage: files under the data folder (written to a temp file, fsynced, renamed into
 * place) and a metadata table in SQLite (schema by Flyway migrations). One connection, serialised:
 * the metadata writes are tiny next to the file transfers.
 */
final class Store implements AutoCloseable {
  private final Path dir;
  private final Path tmp;
  private final Connection db;

  private Store(Path dir, Connection db) {
    this.dir = dir;
    this.tmp = dir.resolve("tmp");
    this.db = db;
  }

  static Store open(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("args"));
    Files.createDirectories(dir.resolve("results"));
    Path tmp = dir.resolve("tmp");
    if (Files.isDirectory(tmp)) {
      deleteTree(tmp);
    }
    Files.createDirectories(tmp);
    String url = "jdbc:sqlite:" + dir.resolve("relay.db").toAbsolutePath();
    Flyway.configure().dataSource(url, null, null).load().migrate();
    try {
      Connection c = DriverManager.getConnection(url);
      try (var st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
      }
      return new Store(dir, c);
    } catch (SQLException e) {
      throw new IOException("cannot open the relay database in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * A fresh path in the temp folder (same file system as the final place, so renames are atomic).
   */
  Path newTemp() {
    return tmp.resolve(UUID.randomUUID().toString());
  }

  /** Records a signature as used; false when it was seen before (a replay). */
  synchronized boolean useSignature(String signature, Instant now) {
    try (PreparedStatement st =
        db.prepareStatement(
            "INSERT INTO used_signatures(signature, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
      st.setString(1, signature.toLowerCase(Locale.ROOT));
      st.setLong(2, now.getEpochSecond());
      return st.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  /** Moves the fsynced temp file into place as the task's args; 409 when they exist already. */
  synchronized void putArgs(String taskId, String creator, Path temp) throws IOException {
    force(temp);
    try {
      db.setAutoCommit(false);
      try (PreparedStatement st =
          db.prepareStatement(
              "INSERT INTO task_args(task_id, creator, size, stored_at) VALUES (?, ?, ?, ?)"
                  + " ON CONFLICT DO NOTHING")) {
        st.setString(1, taskId);
        st.setString(2, creator);
        st.setLong(3, Files.size(temp));
        st.setLong(4, Instant.now().getEpochSecond());
        if (st.executeUpdate() == 0) {
          db.rollback();
          throw new RelayException(409, "the args of task " + taskId + " were uploaded already");
        }
      }
      Files.move(temp, argsFile(taskId), StandardCopyOption.ATOMIC_MOVE);
      forceDir(dir.resolve("args"));
      db.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    } finally {
      autoCommit();
      Files.deleteIfExists(temp);
    }
  }

  synchronized boolean hasArgs(String taskId) {
    return count("SELECT COUNT(*) FROM task_args WHERE task_id = ?", taskId) > 0;
  }

  Path argsFile(String taskId) {
    return dir.resolve("args").resolve(taskId + ".json");
  }

  /**
   * Moves a temp folder of fsynced images (0.png, 1.png, ...) into place as the task's result; 409
   * when a result exists already.
   */
  synchronized void putResults(String taskId, String resultNode, Path tempDir, int images)
      throws IOException {
    try (Stream<Path> files = Files.list(tempDir)) {
      for (Path f : files.toList()) {
        force(f);
      }
    }
    try {
      db.setAutoCommit(false);
      try (PreparedStatement st =
          db.prepareStatement(
              "INSERT INTO task_results(task_id, result_node, images, stored_at)"
                  + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        st.setString(1, taskId);
        st.setString(2, resultNode);
        st.setInt(3, images);
        st.setLong(4, Instant.now().getEpochSecond());
        if (st.executeUpdate() == 0) {
          db.rollback();
          throw new RelayException(409, "the results of task " + taskId + " were uploaded already");
        }
      }
      Files.move(tempDir, resultsDir(taskId), StandardCopyOption.ATOMIC_MOVE);
      forceDir(dir.resolve("results"));
      db.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    } finally {
      autoCommit();
      if (Files.exists(tempDir)) {
        deleteTree(tempDir);
      }
    }
  }

  /** The number of stored result images of a task, or empty when none were uploaded. */
  synchronized OptionalInt resultCount(String taskId) {
    try (PreparedStatement st =
        db.prepareStatement("SELECT images FROM task_results WHERE task_id = ?")) {
      st.setString(1, taskId);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? OptionalInt.of(rs.getInt(1)) : OptionalInt.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  Path resultFile(String taskId, int imageNum) {
    return resultsDir(taskId).resolve(imageNum + ".png");
  }

  private Path resultsDir(String taskId) {
    return dir.resolve("results").resolve(taskId);
  }

  /**
   * Deletes args and results stored before {@code cutoff} and forgets signatures seen before {@code
   * signaturesBefore}; returns how many tasks' files were deleted.
   */
  synchronized int expire(Instant cutoff, Instant signaturesBefore) throws IOException {
    List<String> args = ids("SELECT task_id FROM task_args WHERE stored_at < ?", cutoff);
    List<String> results = ids("SELECT task_id FROM task_results WHERE stored_at < ?", cutoff);
    for (String id : args) {
      Files.deleteIfExists(argsFile(id));
      update("DELETE FROM task_args WHERE task_id = ?", id);
    }
    for (String id : results) {
      if (Files.exists(resultsDir(id))) {
        deleteTree(resultsDir(id));
      }
      update("DELETE FROM task_results WHERE task_id = ?", id);
    }
    try (PreparedStatement st =
        db.prepareStatement("DELETE FROM used_signatures WHERE seen_at < ?")) {
      st.setLong(1, signaturesBefore.getEpochSecond());
      st.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
    return args.size() + results.size();
  }

  private List<String> ids(String sql, Instant cutoff) {
    try (PreparedStatement st = db.prepareStatement(sql)) {
      st.setLong(1, cutoff.getEpochSecond());
      List<String> out = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  private void update(String sql, String id) {
    try (PreparedStatement st = db.prepareStatement(sql)) {
      st.setString(1, id);
      st.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  private long count(String sql, String id) {
    try (PreparedStatement st = db.prepareStatement(sql)) {
      st.setString(1, id);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  private void autoCommit() {
    try {
      db.setAutoCommit(true);
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void forceDir(Path d) {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open a directory to fsync it; the rename itself is still atomic.
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new IllegalStateException("relay database: " + e.getMessage(), e);
    }
  }
}

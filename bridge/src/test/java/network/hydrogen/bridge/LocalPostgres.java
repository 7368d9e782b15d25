package network.hydrogen.bridge;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a throwaway PostgreSQL server on 127.0.0.1 (Debian's postgresql package, run as the
 * postgres user when the tests run as root), or empty when PostgreSQL is not installed.
 */
final class LocalPostgres implements AutoCloseable {
  private static final Path VERSIONS = Path.of("/usr/lib/postgresql");

  private final Path bin;
  private final Path dir;
  private final int port;

  private LocalPostgres(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts a server in a new temp folder, or empty when PostgreSQL (or, for root, its postgres
   * user) is missing.
   */
  static Optional<LocalPostgres> start() throws IOException, InterruptedException {
    Optional<Path> found = binaries();
    if (found.isEmpty() || (root() && !succeeds(List.of("id", "-u", "postgres")))) {
      return Optional.empty();
    }
    Path bin = found.get();
    Path dir = Files.createTempDirectory("bridge-postgres-");
    if (root()) {
      run(List.of("chown", "postgres", dir.toString()));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("data");
    run(
        asPostgres(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync"));
    LocalPostgres pg = new LocalPostgres(bin, dir, port);
    run(
        asPostgres(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-w",
            "-l",
            dir.resolve("log").toString(),
            "-o",
            "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -F",
            "start"));
    return Optional.of(pg);
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** The newest installed version's bin folder (Debian: /usr/lib/postgresql/N/bin). */
  private static Optional<Path> binaries() throws IOException {
    if (!Files.isDirectory(VERSIONS)) {
      return Optional.empty();
    }
    try (var versions = Files.list(VERSIONS)) {
      return versions
          .filter(v -> v.getFileName().toString().matches("\\d+"))
          .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("pg_ctl")));
    }
  }

  private static boolean succeeds(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static List<String> asPostgres(String... command) {
    List<String> out = new ArrayList<>();
    if (root()) {
      out.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    out.addAll(List.of(command));
    return out;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run(
        asPostgres(
            bin.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-m",
            "immediate",
            "-w",
            "stop"));
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

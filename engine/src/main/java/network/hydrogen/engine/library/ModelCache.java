package network.hydrogen.engine.library;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The download cache folder: one entry folder per model ({@code huggingface/org/name} for a repo,
 * {@code url/...} for a download URL), each with a {@code .hydrogen} folder of its own records,
 * whose {@code last-used} file's time says when the model was last used. Beyond its size bound the
 * least recently used entries are removed, never one that is pinned (in use); only entry folders
 * the cache made are ever removed, so a models folder inside it is safe.
 */
final class ModelCache {

  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
  static final String RECORDS = ".hydrogen";
  private static final List<String> KINDS = List.of("huggingface", "url");

  private final Path root;
  private final long maxBytes;
  private final Map<Path, Integer> pins = new HashMap<>();

  ModelCache(Path root, long maxBytes) {
    this.root = root.toAbsolutePath().normalize();
    this.maxBytes = maxBytes;
  }

  Path root() {
    return root;
  }

  /** The entry folder of the Hugging Face repo {@code repo} ({@code org/name}). */
  Path hubEntry(String repo) {
    return root.resolve("huggingface").resolve(repo);
  }

  /** The entry folder of the download URL {@code url}. */
  Path urlEntry(URI url) {
    return root.resolve("url").resolve(Urls.folderName(url));
  }

  /** The folder of the cache's own records in {@code entry}. */
  static Path records(Path entry) {
    return entry.resolve(RECORDS);
  }

  /** Records that {@code entry} was used now. */
  void touch(Path entry) throws IOException {
    Path lastUsed = records(entry).resolve("last-used");
    Files.createDirectories(lastUsed.getParent());
    if (!Files.exists(lastUsed)) {
      Files.createFile(lastUsed);
    }
    Files.setLastModifiedTime(lastUsed, FileTime.fromMillis(System.currentTimeMillis()));
  }

  /** Keeps {@code entry} from being removed until as many {@link #unpin} calls. */
  synchronized void pin(Path entry) {
    pins.merge(entry, 1, Integer::sum);
  }

  synchronized void unpin(Path entry) {
    pins.computeIfPresent(entry, (e, n) -> n == 1 ? null : n - 1);
  }

  /**
   * Removes least recently used entries that are not pinned until {@code bytes} more fit in the
   * bound; when they cannot, it removes what it may and says so in the log.
   */
  synchronized void makeRoom(long bytes) throws IOException {
    long size = size(root);
    if (size + bytes <= maxBytes) {
      return;
    }
    for (Entry entry : entries()) {
      if (size + bytes <= maxBytes) {
        return;
      }
      if (pins.containsKey(entry.folder())) {
        continue;
      }
      long entrySize = size(entry.folder());
      LOG.info(
          "cache {}: removing {} ({} bytes, least recently used) to make room for {} bytes",
          root,
          root.relativize(entry.folder()),
          entrySize,
          bytes);
      delete(entry.folder());
      Path parent = entry.folder().getParent();
      if (!KINDS.contains(parent.getFileName().toString())) {
        try (Stream<Path> left = Files.list(parent)) {
          if (left.findAny().isEmpty()) {
            Files.delete(parent);
          }
        }
      }
      size -= entrySize;
    }
    if (size + bytes > maxBytes) {
      LOG.warn(
          "cache {}: {} bytes more do not fit in its bound of {} bytes beside the models in use"
              + " ({} bytes); it grows beyond it",
          root,
          bytes,
          maxBytes,
          size);
    }
  }

  private record Entry(Path folder, FileTime lastUsed) {}

  /** The cache's entries, least recently used first. */
  private List<Entry> entries() throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (String kind : KINDS) {
      collect(root.resolve(kind), kind.equals("huggingface") ? 2 : 1, entries);
    }
    entries.sort(Comparator.comparing(Entry::lastUsed));
    return entries;
  }

  /** Adds the entries in {@code folder}, looking {@code depth} levels deep (org/name: 2). */
  private static void collect(Path folder, int depth, List<Entry> entries) throws IOException {
    if (depth == 0 || !Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> children = Files.list(folder)) {
      for (Path child : children.toList()) {
        Path records = records(child);
        if (Files.isDirectory(records)) {
          Path lastUsed = records.resolve("last-used");
          entries.add(
              new Entry(
                  child, Files.getLastModifiedTime(Files.exists(lastUsed) ? lastUsed : records)));
        } else {
          collect(child, depth - 1, entries);
        }
      }
    }
  }

  static long size(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              file -> {
                try {
                  return Files.size(file);
                } catch (NoSuchFileException e) {
                  return 0;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    }
  }

  /** Deletes {@code folder} and all in it. */
  static void delete(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    Files.walkFileTree(
        folder,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

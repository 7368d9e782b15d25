package network.hydrogen.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.hydrogen.engine.library.DownloadListener;
import network.hydrogen.engine.library.DownloadSettings;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelSource;
import network.hydrogen.engine.library.ModelStore;
import picocli.CommandLine.Option;

/**
 * The options of every command that finds a task's models: the local models folder, the download
 * cache (without one nothing is downloaded), offline mode and the Hugging Face endpoint. Tokens
 * come from the environment only (HF_TOKEN, CIVITAI_TOKEN), never from the command line, where
 * other users of the machine could read them.
 */
final class ModelsMixin {

  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)I?B?");

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "The local models folder, looked in first: DIR/org/name (a diffusers folder),"
              + " DIR/org--name, DIR/org/name.safetensors, or for a URL its last path segment.")
  Path models;

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description =
          "Download the models that are not in --models into this cache folder (Hugging Face"
              + " repos and download URLs such as Civitai's); without it nothing is downloaded.")
  Path cache;

  @Option(
      names = "--cache-size",
      paramLabel = "SIZE",
      defaultValue = "100G",
      description =
          "The most the cache keeps (e.g. 500M, 100G); least recently used models are removed"
              + " beyond it (default: 100G).")
  String cacheSize;

  @Option(
      names = "--offline",
      description = "Use only --models and what is already in --cache; download nothing.")
  boolean offline;

  @Option(
      names = "--hf-endpoint",
      paramLabel = "URL",
      description =
          "The Hugging Face hub or a mirror (default: HF_ENDPOINT if set, else"
              + " https://huggingface.co).")
  URI hfEndpoint;

  /** The environment the tokens and endpoint come from; tests give their own. */
  Map<String, String> environment = System.getenv();

  /** Where the models come from, and what to release when the command is done with them. */
  record Models(ModelSource source, Runnable release) implements AutoCloseable {
    @Override
    public void close() {
      release.run();
    }
  }

  /**
   * The models as the options say: the models folder alone, or a {@link ModelStore} lease that
   * downloads what the folder lacks, printing each file's progress to {@code err}.
   */
  Models open(PrintWriter err) {
    if (models == null && cache == null) {
      throw new BadInputException(
          "give the models folder (--models DIR), a cache (--cache DIR), or both");
    }
    Optional<ModelLibrary> library = Optional.ofNullable(models).map(ModelLibrary::new);
    if (cache == null) {
      return new Models(library.orElseThrow(), () -> {});
    }
    DownloadSettings settings;
    try {
      settings = DownloadSettings.fromEnvironment(cache, bytes(cacheSize), offline, environment);
      if (hfEndpoint != null) {
        settings = settings.withHfEndpoint(hfEndpoint);
      }
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    ModelStore.Lease lease = new ModelStore(library, settings, progress(err)).lease();
    return new Models(lease, lease::close);
  }

  /** {@code text} (e.g. {@code 100G}, {@code 1.5T}, {@code 500M}, a number of bytes) in bytes. */
  static long bytes(String text) {
    Matcher size = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
    if (!size.matches()) {
      throw new BadInputException(
          "--cache-size must be a size such as 500M or 100G, not '" + text + "'");
    }
    int shift = " KMGT".indexOf(size.group(2).isEmpty() ? " " : size.group(2)) * 10;
    long bytes = (long) (Double.parseDouble(size.group(1)) * (1L << shift));
    if (bytes <= 0) {
      throw new BadInputException("--cache-size must be more than 0, not '" + text + "'");
    }
    return bytes;
  }

  /** Prints a file's progress on one line, each whole percent (or MiB when the size is unknown). */
  private static DownloadListener progress(PrintWriter err) {
    return new DownloadListener() {
      private String file = "";
      private long shown = -1;

      @Override
      public synchronized void progress(String name, long done, long total) {
        long step = total > 0 ? done * 100 / total : done >> 20;
        if (name.equals(file) && step == shown && done != total) {
          return;
        }
        file = name;
        shown = step;
        err.print(
            "\rdownloading "
                + name
                + ": "
                + mib(done)
                + (total >= 0 ? " of " + mib(total) + " (" + step + "%)" : ""));
        if (done == total) {
          err.println();
        }
        err.flush();
      }
    };
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}

package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.MemoryMode;
import network.hydrogen.engine.model.WeightSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses {@link MemoryMode#AUTO}'s mode for a pipeline: sequential when its fp32 weights, with
 * room for ONNX Runtime's copies and the activations, would not fit the memory the system has
 * available, else resident.
 */
final class MemoryBudget {

  private static final Logger LOG = LoggerFactory.getLogger(MemoryBudget.class);

  /**
   * Memory a resident pipeline needs per byte of fp32 weights: measured peaks are 1.2x at 256 px
   * and 2.6x at 512 px on SD 1.5 (attention scores and VAE maps on top of the weights).
   */
  static final double RESIDENT_FACTOR = 2.6;

  private MemoryBudget() {}

  /** The mode to load {@code networks} in when {@code requested}; AUTO is resolved. */
  static MemoryMode choose(MemoryMode requested, List<WeightSource> networks) throws IOException {
    if (requested != MemoryMode.AUTO) {
      return requested;
    }
    long weights = fp32Bytes(networks);
    OptionalLong available = availableBytes(Path.of("/proc/meminfo"));
    MemoryMode mode = choose(weights, available);
    if (mode == MemoryMode.SEQUENTIAL) {
      LOG.info(
          "loading the networks one at a time: their weights take {} GiB as fp32 and the system"
              + " has {} GiB available",
          gibibytes(weights),
          gibibytes(available.orElseThrow()));
    }
    return mode;
  }

  /** Sequential when {@code weights} times {@link #RESIDENT_FACTOR} exceed what is available. */
  static MemoryMode choose(long weights, OptionalLong available) {
    return available.isPresent() && weights * RESIDENT_FACTOR > available.getAsLong()
        ? MemoryMode.SEQUENTIAL
        : MemoryMode.RESIDENT;
  }

  /** The networks' parameters as fp32, the precision ONNX Runtime holds them in on the CPU. */
  static long fp32Bytes(List<WeightSource> networks) throws IOException {
    long bytes = 0;
    for (WeightSource weights : networks) {
      for (String name : weights.names()) {
        long elements = 1;
        for (long dimension : weights.shape(name)) {
          elements *= dimension;
        }
        bytes += Float.BYTES * elements;
      }
    }
    return bytes;
  }

  /** Linux's {@code MemAvailable} from {@code meminfo}; empty where it cannot be read. */
  static OptionalLong availableBytes(Path meminfo) {
    if (!Files.isReadable(meminfo)) {
      return OptionalLong.empty();
    }
    try (Stream<String> lines = Files.lines(meminfo)) {
      return lines
          .filter(line -> line.startsWith("MemAvailable:"))
          .map(line -> line.replaceAll("[^0-9]", ""))
          .mapToLong(kib -> Long.parseLong(kib) * 1024)
          .findFirst();
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String gibibytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 30));
  }
}

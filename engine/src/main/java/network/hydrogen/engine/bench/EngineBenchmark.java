package network.hydrogen.engine.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.TextToImage;

/**
 * Measures the engine on one model: load time, seconds per denoising step and per image, the share
 * of the loop spent outside the UNet calls, and peak memory against the weights' size. A one-step
 * warm-up generation runs first and is not counted.
 */
public final class EngineBenchmark {

  /** The figures of one benchmark run. */
  public record Result(
      int size,
      int steps,
      double loadSeconds,
      double secondsPerStep,
      double secondsPerImage,
      double textEncoderSeconds,
      double vaeSeconds,
      double loopOverheadShare,
      long peakResidentBytes,
      long weightsBytes) {

    /** The figures, one per line, for people. */
    public String report() {
      StringBuilder text = new StringBuilder();
      line(text, "image size", size + "x" + size);
      line(text, "steps (cfg on: UNet batch of 2)", Integer.toString(steps));
      line(text, "model load (s)", seconds(loadSeconds));
      line(text, "seconds per UNet step", seconds(secondsPerStep));
      line(text, "seconds per image", seconds(secondsPerImage));
      line(text, "  text encoder (s)", seconds(textEncoderSeconds));
      line(text, "  VAE decode (s)", seconds(vaeSeconds));
      line(
          text,
          "step time outside the UNet calls",
          String.format(Locale.ROOT, "%.2f%%", 100 * loopOverheadShare));
      line(text, "weights on disk (MiB)", mebibytes(weightsBytes));
      if (peakResidentBytes > 0) {
        line(text, "peak resident memory (MiB)", mebibytes(peakResidentBytes));
        line(
            text,
            "peak memory / weights",
            String.format(Locale.ROOT, "%.2f", (double) peakResidentBytes / weightsBytes));
      } else {
        line(text, "peak resident memory", "unknown (no /proc/self/status)");
      }
      return text.toString();
    }

    private static void line(StringBuilder text, String name, String value) {
      text.append(String.format(Locale.ROOT, "%-36s %s%n", name, value));
    }

    private static String seconds(double value) {
      return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String mebibytes(long bytes) {
      return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
  }

  private EngineBenchmark() {}

  /** Loads the model at {@code model} and generates one {@code size}² image in {@code steps}. */
  public static Result run(Path model, int size, int steps, InferenceOptions options)
      throws IOException {
    long start = System.nanoTime();
    try (TextToImage pipeline = TextToImage.load(ModelFiles.open(model), options)) {
      double loadSeconds = (System.nanoTime() - start) / 1e9;
      pipeline.generate(request(size, 1), GenerationListener.none());
      GeneratedImages images = pipeline.generate(request(size, steps), GenerationListener.none());
      var timings = images.timings();
      return new Result(
          size,
          steps,
          loadSeconds,
          timings.secondsPerStep(),
          timings.totalSeconds(),
          timings.textEncoderNanos() / 1e9,
          timings.vaeNanos() / 1e9,
          timings.loopOverheadShare(),
          peakResidentBytes(),
          weightsBytes(model));
    }
  }

  private static GenerationRequest request(int size, int steps) {
    return new GenerationRequest(
        "a lighthouse on a cliff at dusk, oil painting",
        "blurry",
        size,
        size,
        steps,
        7.5,
        42,
        1,
        "DPMSolverMultistepScheduler",
        null);
  }

  /** The process's peak resident set (Linux {@code VmHWM}), or -1 where it cannot be read. */
  static long peakResidentBytes() {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return -1;
    }
    try (Stream<String> lines = Files.lines(status)) {
      return lines
          .filter(line -> line.startsWith("VmHWM:"))
          .map(line -> line.replaceAll("[^0-9]", ""))
          .mapToLong(kib -> Long.parseLong(kib) * 1024)
          .findFirst()
          .orElse(-1);
    } catch (IOException e) {
      return -1;
    }
  }

  /** The size of the model's weights: its {@code .safetensors} files. */
  static long weightsBytes(Path model) throws IOException {
    if (Files.isRegularFile(model)) {
      return Files.size(model);
    }
    try (Stream<Path> files = Files.walk(model)) {
      return files
          .filter(file -> file.toString().endsWith(".safetensors"))
          .mapToLong(
              file -> {
                try {
                  return Files.size(file);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    }
  }
}

package network.hydrogen.engine.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.lora.Lora;
import network.hydrogen.engine.lora.LoraFile;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.Networks;
import network.hydrogen.engine.pipeline.PipelineCache;
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

    static void line(StringBuilder text, String name, String value) {
      text.append(String.format(Locale.ROOT, "%-36s %s%n", name, value));
    }

    static String seconds(double value) {
      return String.format(Locale.ROOT, "%.3f", value);
    }

    static String mebibytes(long bytes) {
      return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
  }

  /**
   * The figures of a LoRA switching run: loading the model with a LoRA into fresh sessions (cold),
   * then through a {@link PipelineCache}: the first load, switching to another LoRA of the same
   * shape (once each way), and loading with the same LoRA again.
   */
  public record LoraSwitch(
      int rank,
      int modules,
      long loraBytes,
      double coldSeconds,
      double firstSeconds,
      double[] switchSeconds,
      double sameSeconds,
      long sessionsPerSwitch,
      long sessionsPerLoad,
      long peakResidentBytes,
      long weightsBytes) {

    /** The figures, one per line, for people; times also as ratios to the cold load. */
    public String report() {
      StringBuilder text = new StringBuilder();
      Result.line(
          text,
          "LoRA (random, kohya layout)",
          String.format(
              Locale.ROOT,
              "rank %d, %d modules, %s MiB",
              rank,
              modules,
              Result.mebibytes(loraBytes)));
      Result.line(text, "cold load with LoRA A (s)", Result.seconds(coldSeconds));
      Result.line(
          text,
          "first load through the cache (s)",
          Result.seconds(firstSeconds) + " (" + ratio(firstSeconds) + " of cold)");
      for (int i = 0; i < switchSeconds.length; i++) {
        Result.line(
            text,
            i % 2 == 0 ? "switch LoRA A -> B (s)" : "switch LoRA B -> A (s)",
            Result.seconds(switchSeconds[i]) + " (" + ratio(switchSeconds[i]) + " of cold)");
      }
      Result.line(
          text,
          "same LoRA again (s)",
          Result.seconds(sameSeconds) + " (" + ratio(sameSeconds) + " of cold)");
      Result.line(
          text, "sessions opened per switch / load", sessionsPerSwitch + " of " + sessionsPerLoad);
      Result.line(text, "weights on disk (MiB)", Result.mebibytes(weightsBytes));
      if (peakResidentBytes > 0) {
        Result.line(text, "peak resident memory (MiB)", Result.mebibytes(peakResidentBytes));
      }
      return text.toString();
    }

    private String ratio(double seconds) {
      return String.format(Locale.ROOT, "%.3fx", seconds / coldSeconds);
    }
  }

  private EngineBenchmark() {}

  /**
   * Measures LoRA switching on the model at {@code model} with two random LoRAs of {@code rank}
   * ({@link RandomLora}, written to a temporary folder and deleted after): a warm-up load (not
   * counted), a cold load with LoRA A, then through a pipeline cache a first load with A, the
   * switches A to B and B to A, and A again. Each load opens the model files anew, as a task does.
   */
  public static LoraSwitch loraSwitch(Path model, int rank, InferenceOptions options)
      throws IOException {
    Path dir = Files.createTempDirectory("hydrogen-lora-bench-");
    try {
      StableDiffusionModel opened = ModelFiles.open(model);
      Path fileA = dir.resolve("lora-a.safetensors");
      Path fileB = dir.resolve("lora-b.safetensors");
      int modules = RandomLora.write(opened, rank, fileA, 1);
      RandomLora.write(opened, rank, fileB, 2);
      Adapters a = adapters(fileA);
      Adapters b = adapters(fileB);
      timedLoad(model, a, options, Networks.FRESH);
      double cold = timedLoad(model, a, options, Networks.FRESH);
      try (PipelineCache cache = new PipelineCache()) {
        double first = timedLoad(model, a, cache, options);
        long perLoad = cache.opened();
        double[] switches = {timedLoad(model, b, cache, options), 0};
        long perSwitch = cache.opened() - perLoad;
        switches[1] = timedLoad(model, a, cache, options);
        double same = timedLoad(model, a, cache, options);
        return new LoraSwitch(
            rank,
            modules,
            Files.size(fileA),
            cold,
            first,
            switches,
            same,
            perSwitch,
            perLoad,
            peakResidentBytes(),
            weightsBytes(model));
      }
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }

  private static Adapters adapters(Path lora) throws IOException {
    return new Adapters(List.of(new Lora(LoraFile.open(lora), 0.8)), List.of());
  }

  private static double timedLoad(
      Path model, Adapters adapters, PipelineCache cache, InferenceOptions options)
      throws IOException {
    try (PipelineCache.Lease lease = cache.lease()) {
      return timedLoad(model, adapters, options, lease);
    }
  }

  /** Seconds to open the model and load its pipeline with {@code adapters}, as a task does. */
  private static double timedLoad(
      Path model, Adapters adapters, InferenceOptions options, Networks networks)
      throws IOException {
    long start = System.nanoTime();
    try (TextToImage pipeline =
        TextToImage.load(ModelFiles.open(model), options, adapters, null, networks)) {
      return (System.nanoTime() - start) / 1e9;
    }
  }

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

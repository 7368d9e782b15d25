package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * Times one UNet call (batch 2, as under classifier-free guidance) of the engine's own graph
 * against the ONNX file diffusers' exporter makes of the same weights (export_unet_onnx.py), on the
 * same ONNX Runtime with the engine's session settings (ALL optimizations, the given intra-op
 * threads), and measures the memory each needs on its own.
 *
 * <p>It sits in the engine's graph package (compiled onto the class path ahead of the engine's jar,
 * see run.sh) only for the {@code profile} mode, which opens a session of the engine's graph with
 * ONNX Runtime's profiler switched on, and the {@code dump} mode; the other modes use the public API.
 *
 * <p>Modes:
 *
 * <ul>
 *   <li>{@code compare UNET_DIR ONNX THREADS ROUNDS LATENT}: both in one process, called in turn
 *       after one warm-up call each; prints every round, the fastest and median of each, their
 *       ratio, and the largest output difference.
 *   <li>{@code memory engine|exported UNET_DIR ONNX THREADS LATENT CALLS}: one of them alone in this
 *       process; prints session time, each call, and VmHWM, RssAnon, RssFile afterwards.
 *   <li>{@code profile engine|exported UNET_DIR ONNX THREADS LATENT OUT_DIR}: a warm-up session
 *       and call, then a profiled session's first and second calls; writes ONNX Runtime's profile
 *       JSON (every node's kernel and time, after graph optimization) to OUT_DIR.
 *   <li>{@code dump UNET_DIR OUT.onnx}: writes the engine's UNet graph (weights as placeholders)
 *       for engine_graph_with_file_weights.py.
 * </ul>
 */
public final class UNetVsExport {

  private static final String[] ENGINE_INPUTS = {
    UNetGraph.SAMPLE, UNetGraph.TIMESTEP, UNetGraph.ENCODER_HIDDEN_STATES
  };
  private static final String[] EXPORTED_INPUTS = {"sample", "timestep", "encoder_hidden_states"};

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final int latent;
  private final float[] sample;
  private final float[] context;
  private final float[] timesteps = {801, 801};

  private UNetVsExport(int latent) {
    this.latent = latent;
    Random random = new Random(1);
    sample = new float[2 * 4 * latent * latent];
    context = new float[2 * 77 * 768];
    for (int i = 0; i < sample.length; i++) sample[i] = (float) random.nextGaussian();
    for (int i = 0; i < context.length; i++) context[i] = (float) random.nextGaussian();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    switch (mode) {
      case "compare" -> compare(args);
      case "memory" -> memory(args);
      case "profile" -> profile(args);
      case "dump" ->
          Files.write(
              Path.of(args[2]),
              UNetGraph.build(unetConfig(Path.of(args[1]))).model().toByteArray());
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  private static void compare(String[] args) throws Exception {
    Path unetDir = Path.of(args[1]);
    Path onnx = Path.of(args[2]);
    int threads = Integer.parseInt(args[3]);
    int rounds = Integer.parseInt(args[4]);
    UNetVsExport bench = new UNetVsExport(Integer.parseInt(args[5]));
    long start = System.nanoTime();
    UNet engine = engine(unetDir, threads);
    System.out.printf(Locale.ROOT, "engine session: %.1f s%n", since(start));
    start = System.nanoTime();
    OrtSession exported = bench.exportedSession(onnx, threads, null);
    System.out.printf(Locale.ROOT, "exported session: %.1f s%n", since(start));

    double[] engineTimes = new double[rounds];
    double[] exportedTimes = new double[rounds];
    float[] engineOut = null;
    float[] exportedOut = null;
    for (int round = 0; round <= rounds; round++) { // round 0 warms up
      // Alternate which goes first so neither always follows the other's cache state.
      boolean engineFirst = round % 2 == 0;
      double engineSeconds = 0;
      double exportedSeconds = 0;
      for (int turn = 0; turn < 2; turn++) {
        long t0 = System.nanoTime();
        if ((turn == 0) == engineFirst) {
          engineOut = bench.runEngine(engine);
          engineSeconds = since(t0);
        } else {
          exportedOut = bench.runExported(exported);
          exportedSeconds = since(t0);
        }
      }
      if (round > 0) {
        engineTimes[round - 1] = engineSeconds;
        exportedTimes[round - 1] = exportedSeconds;
      }
      System.out.printf(
          Locale.ROOT,
          "round %d: engine %.3f s, exported %.3f s, ratio %.3f%n",
          round,
          engineSeconds,
          exportedSeconds,
          engineSeconds / exportedSeconds);
    }
    float maxRef = 0;
    float maxErr = 0;
    for (int i = 0; i < exportedOut.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(exportedOut[i]));
      maxErr = Math.max(maxErr, Math.abs(exportedOut[i] - engineOut[i]));
    }
    Arrays.sort(engineTimes);
    Arrays.sort(exportedTimes);
    System.out.printf(
        Locale.ROOT,
        "RESULT latent %d threads %d rounds %d: engine min %.3f s median %.3f s; exported min %.3f"
            + " s median %.3f s; min ratio %.3f; max |diff| %.3g (max |out| %.3g)%n",
        bench.latent,
        threads,
        rounds,
        engineTimes[0],
        engineTimes[rounds / 2],
        exportedTimes[0],
        exportedTimes[rounds / 2],
        engineTimes[0] / exportedTimes[0],
        maxErr,
        maxRef);
    engine.close();
    exported.close();
  }

  private static void memory(String[] args) throws Exception {
    String which = args[1];
    Path unetDir = Path.of(args[2]);
    Path onnx = Path.of(args[3]);
    int threads = Integer.parseInt(args[4]);
    UNetVsExport bench = new UNetVsExport(Integer.parseInt(args[5]));
    int calls = Integer.parseInt(args[6]);
    System.out.println("before session: " + memoryLine());
    long start = System.nanoTime();
    UNet engine = which.equals("engine") ? engine(unetDir, threads) : null;
    OrtSession exported = which.equals("exported") ? bench.exportedSession(onnx, threads, null) : null;
    if (engine == null && exported == null) {
      throw new IllegalArgumentException("memory: engine or exported, got " + which);
    }
    System.out.printf(Locale.ROOT, "%s session: %.1f s; %s%n", which, since(start), memoryLine());
    for (int call = 0; call < calls; call++) {
      long t0 = System.nanoTime();
      if (engine != null) {
        bench.runEngine(engine);
      } else {
        bench.runExported(exported);
      }
      System.out.printf(Locale.ROOT, "call %d: %.3f s; %s%n", call, since(t0), memoryLine());
    }
    System.out.printf(Locale.ROOT, "RESULT memory %s latent %d: %s%n", which, bench.latent, memoryLine());
  }

  private static void profile(String[] args) throws Exception {
    String which = args[1];
    Path unetDir = Path.of(args[2]);
    Path onnx = Path.of(args[3]);
    int threads = Integer.parseInt(args[4]);
    UNetVsExport bench = new UNetVsExport(Integer.parseInt(args[5]));
    Path out = Path.of(args[6]);
    Files.createDirectories(out);
    OrtSession session;
    List<OnnxTensor> weights = new ArrayList<>();
    String prefix = out.resolve(which).toString();
    if (which.equals("engine")) {
      // The engine's own graph, plus the profiler; its weights handed over from memory (OnnxNetwork
      // reads fp32 ones from their file in place, which changes memory, not the kernels profiled).
      UNetConfig config = unetConfig(unetDir);
      NetworkGraph graph = UNetGraph.build(config);
      WeightSource source = weightSource(unetDir);
      Map<String, OnnxTensorLike> initializers = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> parameter : graph.parameters().entrySet()) {
        OnnxTensor tensor =
            OnnxTensor.createTensor(
                bench.env, source.tensor(parameter.getKey()).toFloat32(), parameter.getValue());
        weights.add(tensor);
        initializers.put(parameter.getKey(), tensor);
      }
      OrtSession.SessionOptions options = sessionOptions(threads);
      options.addExternalInitializers(initializers);
      session = bench.env.createSession(graph.model().toByteArray(), options);
      bench.runNamed(session, ENGINE_INPUTS); // warm-up
      options.enableProfiling(prefix + "-profile");
      session.close();
      session = bench.env.createSession(graph.model().toByteArray(), options);
    } else {
      session = bench.exportedSession(onnx, threads, null);
      bench.runExported(session); // warm-up
      session.close();
      session = bench.exportedSession(onnx, threads, prefix);
    }
    String[] names = which.equals("engine") ? ENGINE_INPUTS : EXPORTED_INPUTS;
    bench.runNamed(session, names); // first call on the new session
    long t0 = System.nanoTime();
    bench.runNamed(session, names);
    System.out.printf(Locale.ROOT, "profiled call: %.3f s%n", since(t0));
    System.out.println("profile: " + session.endProfiling());
    session.close();
    weights.forEach(OnnxTensor::close);
  }

  private static UNet engine(Path unetDir, int threads) throws IOException {
    UNetConfig config = unetConfig(unetDir);
    return UNet.create(config, weightSource(unetDir), new InferenceOptions(threads));
  }

  private static UNetConfig unetConfig(Path unetDir) throws IOException {
    Path file = unetDir.resolve("config.json");
    return UNetConfig.parse(new ObjectMapper().readTree(file.toFile()), file.toString());
  }

  private static WeightSource weightSource(Path unetDir) throws IOException {
    return WeightSource.of(
        List.of(SafeTensorsFile.open(unetDir.resolve("diffusion_pytorch_model.safetensors"))));
  }

  private static OrtSession.SessionOptions sessionOptions(int threads) throws Exception {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    options.setIntraOpNumThreads(threads);
    return options;
  }

  /** The exported file's session with the engine's settings; profiled under {@code prefix}. */
  private OrtSession exportedSession(Path onnx, int threads, String prefix) throws Exception {
    OrtSession.SessionOptions options = sessionOptions(threads);
    if (prefix != null) {
      options.enableProfiling(prefix + "-profile");
    }
    return env.createSession(onnx.toString(), options);
  }

  private float[] runEngine(UNet engine) {
    return engine
        .predict(
            new FloatTensor(new long[] {2, 4, latent, latent}, sample),
            timesteps,
            new FloatTensor(new long[] {2, 77, 768}, context))
        .values();
  }

  private float[] runExported(OrtSession session) throws Exception {
    return runNamed(session, EXPORTED_INPUTS);
  }

  /** Runs a session whose inputs are (sample, timesteps, context) under the given names. */
  private float[] runNamed(OrtSession session, String... names) throws Exception {
    try (OnnxTensor s =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(sample), new long[] {2, 4, latent, latent});
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(timesteps), new long[] {2});
        OnnxTensor c =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(context), new long[] {2, 77, 768});
        OrtSession.Result r = session.run(Map.of(names[0], s, names[1], t, names[2], c))) {
      FloatBuffer buffer = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[buffer.remaining()];
      buffer.get(out);
      return out;
    }
  }

  /** VmHWM, VmRSS, RssAnon and RssFile of this process, from /proc/self/status. */
  private static String memoryLine() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(
            line ->
                line.startsWith("VmHWM:")
                    || line.startsWith("VmRSS:")
                    || line.startsWith("RssAnon:")
                    || line.startsWith("RssFile:"))
        .map(line -> line.replaceAll("\\s+", " "))
        .collect(Collectors.joining(", "));
  }

  private static double since(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}

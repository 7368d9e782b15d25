package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import network.hydrogen.engine.model.FileRange;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.WeightSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX Runtime session of a built graph. Weights stored in a file as the graph wants them are
 * read by ONNX Runtime itself, as external data, so that it can drop them once pre-packed; the rest
 * (converted, patched, rearranged) are handed over as external initializers from memory. Owns the
 * session and those in-memory weight tensors.
 */
final class OnnxNetwork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxNetwork.class);

  private static final String GPU_NEEDS =
      "The GPU providers need an NVIDIA GPU with its driver, and the CUDA 12 and cuDNN 9 libraries"
          + " (TensorRT 10 for TensorRT) on the system's library path; the CPU provider (provider"
          + " cpu) needs none of them";

  /**
   * Automatic choices whose provider libraries could not be loaded in this process; later automatic
   * plans skip them rather than fail (and warn) again for every network.
   */
  private static final Set<ProviderChoice> UNLOADABLE = ConcurrentHashMap.newKeySet();

  private final String name;
  private final OrtEnvironment env;
  private final Opener opener;
  private final boolean onDemand;

  /** The session and the in-memory weights it was given; null while not open. */
  private Opened opened;

  private boolean closed;

  /** An open session and the weight tensors it owns. */
  private record Opened(OrtSession session, List<OnnxTensor> weights) {}

  /** Opens the network's session (again). */
  @FunctionalInterface
  private interface Opener {
    Opened open() throws IOException;
  }

  private OnnxNetwork(String name, OrtEnvironment env, Opener opener, boolean onDemand) {
    this.name = name;
    this.env = env;
    this.opener = opener;
    this.onDemand = onDemand;
  }

  /**
   * Checks {@code source} against the graph's parameters and opens a session on them with the
   * execution provider the options and this ONNX Runtime build give; with {@link
   * MemoryMode#SEQUENTIAL} the session opens at the first call instead, and {@link #unload} closes
   * it until the next.
   *
   * @throws network.hydrogen.engine.model.ModelFormatException naming the source and the tensors
   *     that are missing or do not have the shape the config requires
   * @throws InferenceException when the requested provider is missing or cannot be started
   */
  static OnnxNetwork open(
      String name, NetworkGraph graph, WeightSource source, InferenceOptions options)
      throws IOException {
    return open(name, graph, source, options, OrtEnvironment.getAvailableProviders());
  }

  /**
   * As {@link #open(String, NetworkGraph, WeightSource, InferenceOptions)}, given the providers.
   */
  static OnnxNetwork open(
      String name,
      NetworkGraph graph,
      WeightSource source,
      InferenceOptions options,
      Set<OrtProvider> available)
      throws IOException {
    ParameterLayout.check(name, graph.parameters(), source);
    ProviderPlan plan = ProviderPlan.of(options, available);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    boolean onDemand = options.memory() == MemoryMode.SEQUENTIAL;
    OnnxNetwork network =
        new OnnxNetwork(
            name, env, () -> openSession(name, env, graph, source, options, plan), onDemand);
    if (!onDemand) {
      network.opened();
    }
    return network;
  }

  private static Opened openSession(
      String name,
      OrtEnvironment env,
      NetworkGraph graph,
      WeightSource source,
      InferenceOptions options,
      ProviderPlan plan)
      throws IOException {
    List<OnnxTensor> tensors = new ArrayList<>();
    Path dir = Files.createTempDirectory("hydrogen-session-");
    try {
      Map<String, FileRange> inFiles = linkedRanges(graph, source, dir);
      Map<String, OnnxTensorLike> initializers = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> parameter : graph.parameters().entrySet()) {
        if (inFiles.containsKey(parameter.getKey())) {
          continue;
        }
        FloatBuffer values = source.tensor(parameter.getKey()).toFloat32();
        OnnxTensor tensor = OnnxTensor.createTensor(env, values, parameter.getValue());
        tensors.add(tensor);
        initializers.put(parameter.getKey(), tensor);
      }
      Path model = Files.write(dir.resolve("model.onnx"), graph.bytes(inFiles));
      return new Opened(session(name, env, model, options, initializers, plan), tensors);
    } catch (OrtException e) {
      tensors.forEach(OnnxTensor::close);
      throw new InferenceException(
          "cannot create the "
              + name
              + " session with the weights of "
              + source.describe()
              + ": "
              + e.getMessage(),
          e);
    } catch (RuntimeException | IOException e) {
      tensors.forEach(OnnxTensor::close);
      throw e;
    } finally {
      deleteFlat(dir);
    }
  }

  /**
   * Opens a session on a finished ONNX model file (an annotator's), with the execution provider the
   * options and this ONNX Runtime build give.
   *
   * @throws InferenceException when ONNX Runtime cannot load the file or start the provider
   */
  static OnnxNetwork openFile(String name, Path model, InferenceOptions options) {
    ProviderPlan plan = ProviderPlan.of(options, OrtEnvironment.getAvailableProviders());
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OnnxNetwork network =
        new OnnxNetwork(
            name,
            env,
            () -> {
              try {
                return new Opened(session(name, env, model, options, Map.of(), plan), List.of());
              } catch (OrtException e) {
                throw new InferenceException(
                    "cannot load the " + name + " from " + model + ": " + e.getMessage(), e);
              }
            },
            false);
    network.opened();
    return network;
  }

  /**
   * The parameters ONNX Runtime reads from their files itself (those stored there as fp32,
   * unchanged), pointing at symbolic links to their files in {@code dir}, where the model is
   * written: ONNX Runtime reads external data relative to the model's folder, and only while it
   * creates the session, so the folder is deleted right after.
   */
  private static Map<String, FileRange> linkedRanges(
      NetworkGraph graph, WeightSource source, Path dir) throws IOException {
    Map<Path, Path> links = new HashMap<>();
    Map<String, FileRange> ranges = new LinkedHashMap<>();
    for (String parameter : graph.parameters().keySet()) {
      Optional<FileRange> range = source.fp32Range(parameter);
      if (range.isPresent()) {
        Path file = range.get().file().toAbsolutePath();
        Path link = links.get(file);
        if (link == null) {
          link = dir.resolve(links.size() + "-" + file.getFileName());
          try {
            Files.createSymbolicLink(link, file);
          } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot link to {} ({}); all weights go through memory", file, e.toString());
            return Map.of();
          }
          links.put(file, link);
        }
        ranges.put(parameter, new FileRange(link, range.get().offset(), range.get().length()));
      }
    }
    return ranges;
  }

  private static void deleteFlat(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
      Files.delete(dir);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  /** Tries the plan's choices in order; the first session that opens is the one. */
  private static OrtSession session(
      String name,
      OrtEnvironment env,
      Path model,
      InferenceOptions options,
      Map<String, OnnxTensorLike> initializers,
      ProviderPlan plan)
      throws OrtException {
    List<ProviderChoice> choices =
        plan.automatic()
            ? plan.choices().stream().filter(choice -> !UNLOADABLE.contains(choice)).toList()
            : plan.choices();
    if (choices.isEmpty()) {
      throw new InferenceException(
          "cannot create the "
              + name
              + " session: "
              + plan.choices().getFirst()
              + " could not be started earlier in this process. "
              + GPU_NEEDS);
    }
    for (int i = 0; ; i++) {
      ProviderChoice choice = choices.get(i);
      try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
        sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
        // ONNX Runtime's CPU arena keeps a session's largest activations (attention scores,
        // high-resolution VAE maps) allocated for the session's life; freed, they return to the
        // system between networks and between runs
        sessionOptions.setCPUArenaAllocator(false);
        sessionOptions.addExternalInitializers(initializers);
        try {
          choice.addTo(sessionOptions);
        } catch (OrtException e) {
          if (plan.automatic()) {
            UNLOADABLE.add(choice);
          }
          throw e;
        }
        OrtSession session = env.createSession(model.toString(), sessionOptions);
        LOG.info(
            "{} runs on {}; {}{}",
            name,
            choice,
            plan.reason(),
            choices.size() < plan.choices().size()
                ? " (skipped what could not be started earlier in this process)"
                : "");
        return session;
      } catch (OrtException e) {
        if (!choice.gpu()) {
          throw e;
        }
        String failure =
            "cannot create the " + name + " session on " + choice + ": " + e.getMessage().strip();
        boolean last = i == choices.size() - 1;
        if (!plan.automatic() || last) {
          throw new InferenceException(failure + ". " + GPU_NEEDS, e);
        }
        ProviderChoice next = choices.get(i + 1);
        if (next.gpu()) {
          LOG.info("{}; trying {}", failure, next);
        } else {
          LOG.warn("{}; running on {}. {}", failure, next, GPU_NEEDS);
        }
      }
    }
  }

  List<String> inputNames() {
    return List.copyOf(opened().session().getInputNames());
  }

  List<String> outputNames() {
    return List.copyOf(opened().session().getOutputNames());
  }

  OnnxTensor floats(FloatTensor tensor) {
    try {
      return OnnxTensor.createTensor(env, FloatBuffer.wrap(tensor.values()), tensor.shape());
    } catch (OrtException e) {
      throw new InferenceException(name + ": cannot create an input tensor", e);
    }
  }

  OnnxTensor floats(float[] values, long... shape) {
    return floats(new FloatTensor(shape, values));
  }

  OnnxTensor longs(long[] values, long... shape) {
    try {
      return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
    } catch (OrtException e) {
      throw new InferenceException(name + ": cannot create an input tensor", e);
    }
  }

  /** Runs the session and returns the named float outputs; closes the inputs. */
  Map<String, FloatTensor> run(Map<String, OnnxTensor> inputs, String... outputs) {
    try (OrtSession.Result result = opened().session().run(inputs, Set.of(outputs))) {
      Map<String, FloatTensor> values = new LinkedHashMap<>();
      for (String output : outputs) {
        OnnxValue value = result.get(output).orElseThrow();
        OnnxTensor tensor = (OnnxTensor) value;
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] array = new float[buffer.remaining()];
        buffer.get(array);
        values.put(output, new FloatTensor(tensor.getInfo().getShape(), array));
      }
      return values;
    } catch (OrtException e) {
      throw new InferenceException(name + " failed: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** The open session, opened first when it is not. */
  private synchronized Opened opened() {
    if (closed) {
      throw new IllegalStateException("the " + name + " session is closed");
    }
    if (opened == null) {
      try {
        opened = opener.open();
      } catch (IOException e) {
        throw new InferenceException("cannot open the " + name + " session: " + e.getMessage(), e);
      }
    }
    return opened;
  }

  /**
   * Closes the session of a network opened on demand ({@link MemoryMode#SEQUENTIAL}), freeing its
   * memory; the next call opens it again. Networks kept resident stay open.
   */
  synchronized void unload() {
    if (onDemand) {
      closeOpened();
    }
  }

  /** Whether the session is open now. */
  synchronized boolean isOpen() {
    return opened != null;
  }

  @Override
  public synchronized void close() {
    closed = true;
    closeOpened();
  }

  private void closeOpened() {
    if (opened == null) {
      return;
    }
    Opened closing = opened;
    opened = null;
    try {
      closing.session().close();
    } catch (OrtException e) {
      throw new InferenceException("cannot close the " + name + " session", e);
    } finally {
      closing.weights().forEach(OnnxTensor::close);
    }
  }
}

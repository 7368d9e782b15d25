package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ControlNet annotator's network (HED, MiDaS, OpenPose, ...) from its own ONNX file, run on the
 * execution provider the options give. Unlike the Stable Diffusion networks, which are built as
 * graphs from their configs, an annotator comes as a finished ONNX model (see {@code
 * tools/annotators/}): the engine only feeds it and reads it; what surrounds the network in
 * controlnet_aux (resizes, thresholds, drawing) is the detector's.
 */
public final class AnnotatorNetwork implements AutoCloseable {

  private final OnnxNetwork network;

  private AnnotatorNetwork(OnnxNetwork network) {
    this.network = network;
  }

  /**
   * Opens a session on {@code onnxFile}.
   *
   * @param name the network in messages (e.g. "the HED annotator")
   * @throws java.nio.file.NoSuchFileException when the file is not there
   * @throws InferenceException when ONNX Runtime cannot load it (not an ONNX model, an operator it
   *     lacks) or the provider cannot be started
   */
  public static AnnotatorNetwork open(String name, Path onnxFile, InferenceOptions options)
      throws IOException {
    if (!Files.isRegularFile(onnxFile)) {
      throw new java.nio.file.NoSuchFileException(onnxFile.toString(), null, name + " model");
    }
    return new AnnotatorNetwork(OnnxNetwork.openFile(name, onnxFile, options));
  }

  /** The model's input names, in its order. */
  public List<String> inputNames() {
    return network.inputNames();
  }

  /** The model's output names, in its order. */
  public List<String> outputNames() {
    return network.outputNames();
  }

  /**
   * Runs the network on float inputs by name.
   *
   * @return every output, by name, in the model's order
   * @throws InferenceException when an input is missing or has a shape the model does not take
   */
  public Map<String, FloatTensor> run(Map<String, FloatTensor> inputs) {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    inputs.forEach((name, tensor) -> tensors.put(name, network.floats(tensor)));
    return network.run(tensors, outputNames().toArray(String[]::new));
  }

  @Override
  public void close() {
    network.close();
  }
}

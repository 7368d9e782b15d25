package network.hydrogen.cli;

import network.hydrogen.engine.graph.InferenceOptions;
import picocli.CommandLine.Option;

/** The options of every command that runs the engine. */
final class InferenceMixin {

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "ONNX Runtime intra-op threads; 0 lets it choose (default).")
  int threads;

  InferenceOptions options() {
    if (threads < 0) {
      throw new BadInputException("--threads must be 0 or more, was " + threads);
    }
    return new InferenceOptions(threads);
  }
}

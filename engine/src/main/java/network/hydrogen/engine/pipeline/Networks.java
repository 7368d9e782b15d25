package network.hydrogen.engine.pipeline;

import java.io.IOException;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.WeightSource;

/**
 * Where {@link TextToImage#load} gets its networks' ONNX Runtime sessions and gives them back:
 * {@link #FRESH} opens each one and closes it with the pipeline; a {@link PipelineCache} lease
 * hands out the previous task's sessions whose weights are the same and keeps them open after.
 */
public interface Networks {

  /** Opens one network's session. */
  @FunctionalInterface
  interface Opener<N extends AutoCloseable> {
    N open() throws IOException;
  }

  /**
   * The network in {@code slot} (which network of which model, e.g. {@code unet}, {@code
   * refiner.text_encoder_2}): the {@code graph} (e.g. {@code UNet}) built from {@code config} on
   * {@code weights} with {@code options}, opened by {@code opener} or one open already with all
   * four the same. Weights are the same when their {@link WeightSource#describe()} is: the files
   * and the adapters with their scales.
   */
  <N extends AutoCloseable> N network(
      String slot,
      String graph,
      Object config,
      WeightSource weights,
      InferenceOptions options,
      Opener<N> opener)
      throws IOException;

  /** Takes back a network this gave out, when its pipeline closes. */
  void release(AutoCloseable network);

  /** Opens every network anew and closes it when its pipeline closes. */
  Networks FRESH =
      new Networks() {
        @Override
        public <N extends AutoCloseable> N network(
            String slot,
            String graph,
            Object config,
            WeightSource weights,
            InferenceOptions options,
            Opener<N> opener)
            throws IOException {
          return opener.open();
        }

        @Override
        public void release(AutoCloseable network) {
          PipelineCache.closeNetwork(network);
        }
      };
}

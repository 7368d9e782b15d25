package network.hydrogen.engine.graph;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.model.VaeConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * The decoder half of a diffusers {@code AutoencoderKL} on ONNX Runtime: latents to images. One
 * instance serves any batch and size. Thread-safe; close it to release the session.
 */
public final class VaeDecoder implements AutoCloseable {

  private final VaeConfig config;
  private final OnnxNetwork network;

  private VaeDecoder(VaeConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the decoder graph for {@code config} and opens a session on {@code weights} (the whole
   * VAE file; only the decoder's tensors are read).
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies
   */
  public static VaeDecoder create(VaeConfig config, WeightSource weights, InferenceOptions options)
      throws IOException {
    return new VaeDecoder(
        config,
        OnnxNetwork.open("VAE decoder", AutoencoderGraph.decoder(config), weights, options));
  }

  public VaeConfig config() {
    return config;
  }

  /**
   * Decodes latents [batch, latent_channels, h, w] that are already unscaled ({@code latents /
   * scaling_factor}) into the raw image [batch, out_channels, h * 2^(levels-1), ...], roughly in
   * [-1, 1].
   */
  public FloatTensor decode(FloatTensor latents) {
    if (latents.rank() != 4 || latents.dim(1) != config.latentChannels()) {
      throw new IllegalArgumentException(
          "latents must be [batch, "
              + config.latentChannels()
              + ", height, width], got "
              + Arrays.toString(latents.shape()));
    }
    return network
        .run(Map.of(AutoencoderGraph.LATENTS, network.floats(latents)), AutoencoderGraph.SAMPLE)
        .get(AutoencoderGraph.SAMPLE);
  }

  /**
   * Frees the session of a network loaded on demand ({@link MemoryMode#SEQUENTIAL}) until its next
   * call; a resident network stays loaded.
   */
  public void unload() {
    network.unload();
  }

  @Override
  public void close() {
    network.close();
  }
}

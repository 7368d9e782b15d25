package network.hydrogen.engine.graph;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.model.VaeConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * The encoder half of a diffusers {@code AutoencoderKL} on ONNX Runtime: images to the latent
 * distribution (img2img, refiners). Thread-safe; close it to release the session.
 */
public final class VaeEncoder implements AutoCloseable {

  /**
   * The diagonal Gaussian over the (unscaled) latents: a sample is {@code mean + std * noise}, the
   * mode is {@code mean}; multiply by the scaling factor before denoising.
   */
  public record LatentDistribution(FloatTensor mean, FloatTensor std) {}

  private final VaeConfig config;
  private final OnnxNetwork network;

  private VaeEncoder(VaeConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the encoder graph for {@code config} and opens a session on {@code weights} (the whole
   * VAE file; only the encoder's tensors are read).
   */
  public static VaeEncoder create(VaeConfig config, WeightSource weights, InferenceOptions options)
      throws IOException {
    return new VaeEncoder(
        config,
        OnnxNetwork.open("VAE encoder", AutoencoderGraph.encoder(config), weights, options));
  }

  public VaeConfig config() {
    return config;
  }

  /** Encodes images [batch, in_channels, h, w] with values in [-1, 1]. */
  public LatentDistribution encode(FloatTensor image) {
    if (image.rank() != 4 || image.dim(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "image must be [batch, "
              + config.inChannels()
              + ", height, width], got "
              + Arrays.toString(image.shape()));
    }
    Map<String, FloatTensor> out =
        network.run(
            Map.of(AutoencoderGraph.IMAGE, network.floats(image)),
            AutoencoderGraph.MEAN,
            AutoencoderGraph.STD);
    return new LatentDistribution(out.get(AutoencoderGraph.MEAN), out.get(AutoencoderGraph.STD));
  }

  @Override
  public void close() {
    network.close();
  }
}

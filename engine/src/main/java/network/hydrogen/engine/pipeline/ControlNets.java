package network.hydrogen.engine.pipeline;

import java.util.Objects;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.model.ControlNetConfig;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.UNetConfig;

/** How the text-to-image pipeline pairs a ControlNet with its model and control image. */
final class ControlNets {

  private ControlNets() {}

  /** Refuses a ControlNet made for another kind of UNet than {@code model}'s. */
  static void requireCompatible(StableDiffusionModel model, ControlNetModel controlNet) {
    UNetConfig unet = model.unet().config();
    UNetConfig control = controlNet.config().unet();
    if (unet.crossAttentionDim() != control.crossAttentionDim()
        || unet.inChannels() != control.inChannels()
        || !unet.blockOutChannels().equals(control.blockOutChannels())
        || unet.layersPerBlock() != control.layersPerBlock()
        || !Objects.equals(unet.additionEmbedType(), control.additionEmbedType())
        || !Objects.equals(
            unet.projectionClassEmbeddingsInputDim(), control.projectionClassEmbeddingsInputDim())
        || !Objects.equals(unet.additionTimeEmbedDim(), control.additionTimeEmbedDim())) {
      throw new UnsupportedTaskException(
          "the ControlNet "
              + controlNet.source()
              + " does not fit the model "
              + model.source()
              + ": its cross_attention_dim, in_channels, block_out_channels, layers_per_block or"
              + " added conditioning (addition_embed_type, SDXL's text_time) differ from the"
              + " UNet's (a ControlNet for another model family?)");
    }
  }

  /**
   * The ControlNet's image input for a UNet batch of {@code rows}: the control image resized to the
   * request's size as diffusers' {@code prepare_image} resizes it, in [0, 1], one row per batch
   * row.
   */
  static FloatTensor controlTensor(
      ControlNetInput control, GenerationRequest request, int rows, ControlNetConfig config) {
    return control.image().resize(request.width(), request.height()).toTensor(rows, config.bgr());
  }
}

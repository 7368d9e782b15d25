package network.hydrogen.engine.pipeline;

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
    if (model.isSdxl()) {
      throw new UnsupportedTaskException(
          "ControlNet on SDXL models is not supported yet (only SD 1.x/2.x ControlNets)");
    }
    UNetConfig unet = model.unet().config();
    UNetConfig control = controlNet.config().unet();
    if (unet.crossAttentionDim() != control.crossAttentionDim()
        || unet.inChannels() != control.inChannels()
        || !unet.blockOutChannels().equals(control.blockOutChannels())
        || unet.layersPerBlock() != control.layersPerBlock()) {
      throw new UnsupportedTaskException(
          "the ControlNet "
              + controlNet.source()
              + " does not fit the model "
              + model.source()
              + ": its cross_attention_dim, in_channels, block_out_channels or layers_per_block"
              + " differ from the UNet's (a ControlNet for another model family?)");
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

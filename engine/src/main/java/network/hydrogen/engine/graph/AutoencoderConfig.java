package network.hydrogen.engine.graph;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * The shape of a diffusers {@code AutoencoderKL} (the SD VAE), from its {@code config.json}.
 *
 * @param scalingFactor latents are multiplied by it after encoding and divided before decoding
 * @param shiftFactor subtracted before scaling (null for SD 1.x/2.x/XL)
 */
public record AutoencoderConfig(
    int inChannels,
    int outChannels,
    int latentChannels,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int normNumGroups,
    double scalingFactor,
    Double shiftFactor,
    boolean useQuantConv,
    boolean usePostQuantConv,
    boolean midBlockAddAttention) {

  static final String DOWN = "DownEncoderBlock2D";
  static final String UP = "UpDecoderBlock2D";

  public AutoencoderConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
    if (blockOutChannels.isEmpty() || layersPerBlock < 1) {
      throw new IllegalArgumentException("block_out_channels and layers_per_block must be set");
    }
  }

  /** Reads a {@code vae/config.json}. */
  public static AutoencoderConfig read(Path configJson) throws IOException {
    return from(ConfigJson.read(configJson));
  }

  /** Parses config JSON text; {@code source} names it in errors. */
  public static AutoencoderConfig parse(String json, String source) {
    return from(ConfigJson.parse(json, source));
  }

  private static AutoencoderConfig from(ConfigJson json) {
    json.requireValue("act_fn", "silu");
    json.requireValue("norm_type", "group");
    List<Integer> channels = json.integers("block_out_channels");
    for (String field : List.of("down_block_types", "up_block_types")) {
      if (json.has(field)) {
        String expected = field.startsWith("down") ? DOWN : UP;
        for (String type : json.strings(field)) {
          if (!type.equals(expected)) {
            throw json.error(field, "holds " + type + "; only " + expected + " is built");
          }
        }
        if (json.strings(field).size() != channels.size()) {
          throw json.error(field, "needs one entry per block_out_channels");
        }
      }
    }
    try {
      return new AutoencoderConfig(
          json.integer("in_channels", 3),
          json.integer("out_channels", 3),
          json.integer("latent_channels", 4),
          channels,
          json.integer("layers_per_block", 1),
          json.integer("norm_num_groups", 32),
          json.number("scaling_factor", 0.18215),
          json.has("shift_factor") ? json.number("shift_factor", 0) : null,
          json.bool("use_quant_conv", true),
          json.bool("use_post_quant_conv", true),
          json.bool("mid_block_add_attention", true));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(json.source() + ": " + e.getMessage());
    }
  }
}

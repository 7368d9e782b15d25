package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The config of a diffusers {@code AutoencoderKL} ({@code vae/config.json}), with the diffusers
 * field names and defaults. {@code shiftFactor} is null when the latents are not shifted; {@code
 * latentsMean}/{@code latentsStd} are null unless the model has per-channel statistics.
 */
public record VaeConfig(
    int inChannels,
    int outChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int latentChannels,
    int normNumGroups,
    Integer sampleSize,
    double scalingFactor,
    Double shiftFactor,
    List<Double> latentsMean,
    List<Double> latentsStd,
    boolean forceUpcast,
    boolean useQuantConv,
    boolean usePostQuantConv,
    boolean midBlockAddAttention) {

  public VaeConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = List.copyOf(blockOutChannels);
    latentsMean = latentsMean == null ? null : List.copyOf(latentsMean);
    latentsStd = latentsStd == null ? null : List.copyOf(latentsStd);
  }

  /** Parses a {@code config.json} tree; {@code source} names it in errors. */
  public static VaeConfig parse(JsonNode json, String source) {
    ConfigJson c = new ConfigJson(json, source);
    List<Integer> blockOut = c.integers("block_out_channels", List.of(64));
    List<String> down =
        c.strings("down_block_types", Collections.nCopies(blockOut.size(), "DownEncoderBlock2D"));
    List<String> up =
        c.strings("up_block_types", Collections.nCopies(blockOut.size(), "UpDecoderBlock2D"));
    if (blockOut.isEmpty() || down.size() != blockOut.size() || up.size() != blockOut.size()) {
      throw new ModelFormatException(
          source
              + ": down_block_types and up_block_types must have one entry per block_out_channels"
              + " level, and there must be at least one");
    }
    for (String type : down) {
      if (!type.equals("DownEncoderBlock2D")) {
        throw c.unsupported("down_block_types", "only DownEncoderBlock2D is supported");
      }
    }
    for (String type : up) {
      if (!type.equals("UpDecoderBlock2D")) {
        throw c.unsupported("up_block_types", "only UpDecoderBlock2D is supported");
      }
    }
    c.requireValue("act_fn", "silu");
    c.requireValue("norm_type", "group");
    int layersPerBlock = c.integer("layers_per_block", 1);
    if (layersPerBlock < 1) {
      throw c.unsupported("layers_per_block", "it must be positive");
    }
    return new VaeConfig(
        c.integer("in_channels", 3),
        c.integer("out_channels", 3),
        down,
        up,
        blockOut,
        layersPerBlock,
        c.integer("latent_channels", 4),
        c.integer("norm_num_groups", 32),
        c.optionalInteger("sample_size"),
        c.number("scaling_factor", 0.18215),
        c.optionalNumber("shift_factor"),
        numbers(json.get("latents_mean")),
        numbers(json.get("latents_std")),
        c.bool("force_upcast", true),
        c.bool("use_quant_conv", true),
        c.bool("use_post_quant_conv", true),
        c.bool("mid_block_add_attention", true));
  }

  private static List<Double> numbers(JsonNode node) {
    if (node == null || !node.isArray()) {
      return null;
    }
    return StreamSupport.stream(node.spliterator(), false).map(JsonNode::asDouble).toList();
  }

  /** The number of resolution levels (entries of {@code block_out_channels}). */
  public int levels() {
    return blockOutChannels.size();
  }
}

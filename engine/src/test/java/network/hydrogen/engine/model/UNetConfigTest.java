package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class UNetConfigTest {

  private static final String BLOCKS =
      """
      "block_out_channels": [32, 64],
      "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
      "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]
      """;

  private static UNetConfig parse(String fields) throws JsonProcessingException {
    String json = "{" + BLOCKS + (fields.isEmpty() ? "" : ", " + fields) + "}";
    return UNetConfig.parse(new ObjectMapper().readTree(json), "x.json");
  }

  /** The heads of every level, by {@link UNetConfig#headsAt}. */
  private static List<Integer> heads(UNetConfig config) {
    return IntStream.range(0, config.levels()).mapToObj(config::headsAt).toList();
  }

  /** The transformer depth of every up block, by {@link UNetConfig#upTransformerLayers}. */
  private static List<Integer> upDepths(UNetConfig config) {
    return IntStream.range(0, config.levels()).mapToObj(config::upTransformerLayers).toList();
  }

  @Test
  void numAttentionHeadsWinsOverTheMisnamedAttentionHeadDim() throws JsonProcessingException {
    UNetConfig perLevel = parse("\"attention_head_dim\": [2, 4]");
    assertThat(heads(perLevel)).containsExactly(2, 4);
    assertThat(perLevel.midHeads()).isEqualTo(4);
    assertThat(heads(parse("\"attention_head_dim\": 8, \"num_attention_heads\": 4")))
        .containsExactly(4, 4);
    assertThat(heads(parse(""))).containsExactly(8, 8);
  }

  @Test
  void upBlocksTakeTheReversedOrGivenTransformerDepths() throws JsonProcessingException {
    UNetConfig reversed = parse("\"transformer_layers_per_block\": [1, 3]");
    assertThat(upDepths(reversed)).containsExactly(3, 1);
    assertThat(reversed.midTransformerLayers()).isEqualTo(3);
    UNetConfig given =
        parse(
            "\"transformer_layers_per_block\": [1, 3],"
                + " \"reverse_transformer_layers_per_block\": [2, 5]");
    assertThat(upDepths(given)).containsExactly(2, 5);
  }

  @Test
  void namesTheFileAndFieldOfABadValue() {
    assertThatThrownBy(() -> parse("\"transformer_layers_per_block\": [1, 2, 3]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("x.json: field \"transformer_layers_per_block\" has 3 values for 2 levels");
    assertThatThrownBy(() -> parse("\"class_embed_type\": \"timestep\""))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(
            "x.json: field \"class_embed_type\" = \"timestep\" is not supported");
    assertThatThrownBy(() -> parse("\"attention_head_dim\": [5, 8]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("x.json: field \"attention_head_dim\"")
        .hasMessageContaining("level 0: 32 channels do not split into 5 heads");
    assertThatThrownBy(() -> parse("\"mid_block_type\": \"UNetMidBlock2D\""))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(
            "x.json: field \"mid_block_type\" = \"UNetMidBlock2D\" is not supported: only"
                + " \"UNetMidBlock2DCrossAttn\" is supported");
    assertThatThrownBy(() -> parse("\"resnet_time_scale_shift\": \"scale_shift\""))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("x.json: field \"resnet_time_scale_shift\"");
    assertThatThrownBy(
            () -> parse("\"down_block_types\": [\"CrossAttnDownBlock2D\", \"SimpleDownBlock2D\"]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("x.json: field \"down_block_types\"")
        .hasMessageContaining("SimpleDownBlock2D is not one of");
    assertThatThrownBy(() -> parse("\"addition_embed_type\": \"text_time\""))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("text_time needs projection_class_embeddings_input_dim");
  }

  @Test
  void falseListsOfOnlyCrossAttentionAreAccepted() throws JsonProcessingException {
    assertThat(parse("\"only_cross_attention\": [false, false]").levels()).isEqualTo(2);
    assertThatThrownBy(() -> parse("\"only_cross_attention\": [true, false]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("x.json: field \"only_cross_attention\"");
  }
}

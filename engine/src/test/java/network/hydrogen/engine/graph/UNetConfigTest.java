package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import network.hydrogen.engine.model.ModelFormatException;
import org.junit.jupiter.api.Test;

class UNetConfigTest {

  private static final String BLOCKS =
      """
      "block_out_channels": [32, 64],
      "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
      "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]
      """;

  private static UNetConfig parse(String fields) {
    return UNetConfig.parse("{" + BLOCKS + (fields.isEmpty() ? "" : ", " + fields) + "}", "x.json");
  }

  @Test
  void numAttentionHeadsWinsOverTheMisnamedAttentionHeadDim() {
    assertThat(parse("\"attention_head_dim\": [2, 4]").numAttentionHeads()).containsExactly(2, 4);
    assertThat(parse("\"attention_head_dim\": 8, \"num_attention_heads\": 4").numAttentionHeads())
        .containsExactly(4, 4);
    assertThat(parse("").numAttentionHeads()).containsExactly(8, 8);
  }

  @Test
  void namesTheFileAndFieldOfABadValue() {
    assertThatThrownBy(() -> parse("\"transformer_layers_per_block\": [1, 2, 3]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("x.json: transformer_layers_per_block has 3 values for 2 blocks");
    assertThatThrownBy(() -> parse("\"class_embed_type\": \"timestep\""))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith("x.json: class_embed_type = \"timestep\" is not supported");
    assertThatThrownBy(() -> parse("\"attention_head_dim\": [5, 8]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("block 0: 32 channels do not split into 5 heads");
  }

  @Test
  void falseListsOfOnlyCrossAttentionAreAccepted() {
    assertThat(parse("\"only_cross_attention\": [false, false]").blocks()).isEqualTo(2);
    assertThatThrownBy(() -> parse("\"only_cross_attention\": [true, false]"))
        .isInstanceOf(ModelFormatException.class);
  }
}

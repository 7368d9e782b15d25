package network.hydrogen.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a model download of the running task reads in the WebUI. */
class DownloadWordsTest {

  @Test
  void aDownloadShowsItsFileItsPercentAndItsSize() {
    assertThat(
            NodeDaemon.downloadWords(
                "unet/diffusion_pytorch_model.safetensors", 1_719_000_000L, 3_438_000_000L))
        .isEqualTo("downloading unet/diffusion_pytorch_model.safetensors: 50% of 3.2 GiB");
    assertThat(NodeDaemon.downloadWords("vae/config.json", 10, 700))
        .isEqualTo("downloading vae/config.json: 1% of 0.7 KiB");
    assertThat(NodeDaemon.downloadWords("lora.safetensors", 5L << 20, -1))
        .isEqualTo("downloading lora.safetensors: 5.0 MiB");
  }
}

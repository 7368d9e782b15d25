package network.hydrogen.engine.library;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** File names from {@code Content-Disposition} headers as Civitai and CDNs send them. */
class ContentDispositionTest {

  @Test
  void theExtendedNameWinsOverThePlainOne() {
    assertThat(
            ContentDisposition.fileName(
                "attachment; filename=\"fallback.safetensors\";"
                    + " filename*=UTF-8''caf%C3%A9%20lora.safetensors"))
        .contains("café lora.safetensors");
  }

  @Test
  void quotedAndBareNamesAreRead() {
    assertThat(ContentDisposition.fileName("attachment; filename=\"my \\\"best\\\" lora.st\""))
        .contains("my \"best\" lora.st");
    assertThat(ContentDisposition.fileName("attachment; filename=model.safetensors; size=3"))
        .contains("model.safetensors");
    assertThat(ContentDisposition.fileName("attachment")).isEmpty();
    assertThat(ContentDisposition.fileName("attachment; filename=\"\"")).isEmpty();
  }

  @Test
  void unsafeNamesAreMadeSafe() {
    assertThat(Urls.safeFileName("../../etc/passwd")).isEqualTo("passwd");
    assertThat(Urls.safeFileName("..\\evil.safetensors")).isEqualTo("evil.safetensors");
    assertThat(Urls.safeFileName(".hidden")).isEqualTo("hidden");
    assertThat(Urls.safeFileName("café lora.safetensors")).isEqualTo("caf_lora.safetensors");
    assertThat(Urls.safeFileName("x".repeat(300) + ".safetensors"))
        .hasSize(120)
        .endsWith(".safetensors");
  }
}

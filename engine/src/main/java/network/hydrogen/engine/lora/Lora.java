package network.hydrogen.engine.lora;

import java.util.Objects;

/**
 * A LoRA to apply and its strength: {@code scale} multiplies every module's {@code alpha / rank ·
 * up @ down} (a task's weight 80 is scale 0.8; 0 leaves the model unchanged).
 */
public record Lora(LoraFile file, double scale) {

  public Lora {
    Objects.requireNonNull(file, "file");
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("LoRA scale must be finite, was " + scale);
    }
  }
}

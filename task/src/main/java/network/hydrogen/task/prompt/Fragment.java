package network.hydrogen.task.prompt;

import java.util.Objects;

/**
 * A run of prompt text whose tokens all get the same attention weight; the text is what the
 * tokenizer receives (escapes resolved, words joined by single spaces).
 */
public record Fragment(String text, double weight) {

  public Fragment {
    Objects.requireNonNull(text, "text");
  }
}

package network.hydrogen.task.prompt;

import java.util.List;

/**
 * {@code ("a", "b").blend(0.7, 0.3)}: the conditionings of several prompts summed with the given
 * weights, divided by their sum when {@code normalizeWeights} (compel's default; {@code
 * no_normalize} turns it off).
 */
public record Blend(List<FlattenedPrompt> prompts, List<Double> weights, boolean normalizeWeights)
    implements Prompt {

  public Blend {
    prompts = List.copyOf(prompts);
    weights = List.copyOf(weights);
    if (prompts.isEmpty() || prompts.size() != weights.size()) {
      throw new IllegalArgumentException(
          "a blend needs one weight per prompt, got "
              + prompts.size()
              + " prompts and "
              + weights.size()
              + " weights");
    }
  }
}

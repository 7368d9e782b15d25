package network.hydrogen.task.prompt;

import java.util.List;

/**
 * A prompt whose nesting has been resolved: its fragments in order, each with its final weight (the
 * product of the weights around it), neighbours of equal weight merged with a space between.
 */
public record FlattenedPrompt(List<Fragment> fragments) implements Prompt {

  public FlattenedPrompt {
    fragments = List.copyOf(fragments);
    if (fragments.isEmpty()) {
      throw new IllegalArgumentException("a flattened prompt needs at least one fragment");
    }
  }
}

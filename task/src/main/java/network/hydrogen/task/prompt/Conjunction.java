package network.hydrogen.task.prompt;

import java.util.List;

/**
 * A parsed Compel prompt: the terms whose conditionings are concatenated along the token axis
 * ({@code ("a", "b").and()} gives two terms, every other prompt one term of weight 1).
 */
public record Conjunction(List<Term> terms) {

  public Conjunction {
    terms = List.copyOf(terms);
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("a conjunction needs at least one term");
    }
  }

  /**
   * One term and its conjunction weight: a weight w other than 1 moves the term's conditioning c to
   * {@code e + (c - e) * w}, e being the empty prompt's conditioning.
   */
  public record Term(Prompt prompt, double weight) {}
}

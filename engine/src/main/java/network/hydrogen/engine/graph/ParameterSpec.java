package network.hydrogen.engine.graph;

import java.util.List;

/**
 * One weight tensor a network needs: its diffusers parameter name and the shape its config implies.
 * Enumerating these without any weights lets a checkpoint be checked against its config (and random
 * full-size checkpoints be written) from the same description the graph is built from.
 */
public record ParameterSpec(String name, List<Long> shape) {

  public ParameterSpec {
    shape = List.copyOf(shape);
  }

  /** The number of elements: the product of the shape. */
  public long elementCount() {
    long count = 1;
    for (long dimension : shape) {
      count = Math.multiplyExact(count, dimension);
    }
    return count;
  }

  @Override
  public String toString() {
    return name + " " + shape;
  }
}

package network.hydrogen.engine.graph;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;

/** Checks a checkpoint's tensors against the parameters a network's config needs. */
public final class Parameters {

  private static final int MAX_LISTED = 10;

  private Parameters() {}

  /**
   * Checks that {@code weights} holds every parameter in {@code specs} with the expected shape and
   * a floating-point type.
   *
   * @param network what the weights are for, for the message (e.g. "UNet")
   * @throws ModelFormatException naming the source, the missing or mis-shaped tensors (the first
   *     ten) and how many problems there are
   */
  public static void check(String network, List<ParameterSpec> specs, WeightSource weights)
      throws IOException {
    List<String> problems = new ArrayList<>();
    for (ParameterSpec spec : specs) {
      if (!weights.names().contains(spec.name())) {
        problems.add("missing tensor " + spec);
        continue;
      }
      Tensor tensor = weights.tensor(spec.name());
      long[] expected = spec.shape().stream().mapToLong(Long::longValue).toArray();
      if (!Arrays.equals(tensor.shape(), expected)) {
        problems.add(
            "tensor "
                + spec.name()
                + " has shape "
                + Arrays.toString(tensor.shape())
                + " but the config needs "
                + spec.shape());
      } else if (!tensor.dtype().isFloat()) {
        problems.add(
            "tensor " + spec.name() + " has type " + tensor.dtype() + ", not a float type");
      }
    }
    if (!problems.isEmpty()) {
      String listed = String.join("; ", problems.subList(0, Math.min(MAX_LISTED, problems.size())));
      String more =
          problems.size() > MAX_LISTED ? "; and " + (problems.size() - MAX_LISTED) + " more" : "";
      throw new ModelFormatException(
          network
              + " weights in "
              + weights.describe()
              + " do not match the config ("
              + problems.size()
              + " problems): "
              + listed
              + more);
    }
  }
}

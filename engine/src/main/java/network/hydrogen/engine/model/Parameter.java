package network.hydrogen.engine.model;

/**
 * One parameter a model config requires: its diffusers name, its shape, and where an original
 * (LDM/SGM) single-file checkpoint keeps it, relative to the component's key prefix.
 */
record Parameter(String name, long[] shape, Origin origin) {

  /** Where a parameter's bytes lie in an original-format checkpoint. */
  sealed interface Origin {

    /** The same tensor under another key. */
    record Key(String key) implements Origin {}

    /** A 1x1 convolution kernel {@code [C, C', 1, 1]} read as a linear weight {@code [C, C']}. */
    record Squeezed(String key) implements Origin {}

    /** Block {@code index} of {@code count} equal blocks of rows of a fused tensor (q, k, v). */
    record Rows(String key, int index, int count) implements Origin {}

    /** A matrix {@code [rows, columns]} stored transposed, as {@code [columns, rows]}. */
    record Transposed(String key) implements Origin {}

    /** No counterpart in the original format. */
    record None(String why) implements Origin {}
  }
}

package network.hydrogen.engine.prompt;

/**
 * A prompt's token ids cut into text encoder chunks ({@code [BOS] tokens [EOS] pad…}, {@code
 * chunkLength} ids each, laid end to end), with each id's weight and attention mask value.
 */
record WeightedTokens(int[] ids, float[] weights, long[] mask, int chunkLength) {

  int chunks() {
    return ids.length / chunkLength;
  }

  /**
   * The part of {@code mask} (laid out like {@link #ids()}) that belongs to chunk {@code chunk}.
   */
  long[] maskRow(long[] mask, int chunk) {
    long[] row = new long[chunkLength];
    System.arraycopy(mask, chunk * chunkLength, row, 0, chunkLength);
    return row;
  }

  /** The ids of chunk {@code chunk}, as the text encoder takes them. */
  long[] idRow(int chunk) {
    long[] row = new long[chunkLength];
    for (int i = 0; i < chunkLength; i++) {
      row[i] = ids[chunk * chunkLength + i];
    }
    return row;
  }
}

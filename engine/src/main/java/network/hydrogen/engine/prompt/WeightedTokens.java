package network.hydrogen.engine.prompt;

/**
 * A prompt's token ids cut into text encoder chunks ({@code [BOS] tokens [EOS] pad…}, {@code
 * chunkLength} ids each, laid end to end), with each id's weight and attention mask value.
 */
record WeightedTokens(int[] ids, float[] weights, long[] mask, int chunkLength) {

  int chunks() {
    return ids.length / chunkLength;
  }

  /** Row {@code chunk} of {@code values}, one of this record's arrays or a copy of one. */
  long[] row(long[] values, int chunk) {
    long[] row = new long[chunkLength];
    System.arraycopy(values, chunk * chunkLength, row, 0, chunkLength);
    return row;
  }

  long[] idRow(int chunk) {
    long[] row = new long[chunkLength];
    for (int i = 0; i < chunkLength; i++) {
      row[i] = ids[chunk * chunkLength + i];
    }
    return row;
  }
}

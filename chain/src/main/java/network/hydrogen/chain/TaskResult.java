package network.hydrogen.chain;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What a node discloses for a task: the 8-byte perceptual hashes of its images in order, or an
 * error code (a task it could not run). The on-chain encoding is {@link #bytes()}.
 */
public sealed interface TaskResult {
  byte[] bytes();

  /** The perceptual hashes (pHash, 64 bits each) of a task's images, in order. */
  record ImageHashes(long[] hashes) implements TaskResult {
    public ImageHashes {
      if (hashes.length == 0) {
        throw new IllegalArgumentException("a result needs at least one image hash");
      }
      hashes = hashes.clone();
    }

    @Override
    public long[] hashes() {
      return hashes.clone();
    }

    @Override
    public byte[] bytes() {
      ByteBuffer buffer = ByteBuffer.allocate(hashes.length * Long.BYTES);
      for (long h : hashes) {
        buffer.putLong(h);
      }
      return buffer.array();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ImageHashes other && Arrays.equals(hashes, other.hashes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(hashes);
    }

    @Override
    public String toString() {
      return "ImageHashes" + Arrays.toString(hashes);
    }
  }

  /** A task error (1 to 255): settled like a result, so two nodes reporting it are not slashed. */
  record Error(int code) implements TaskResult {
    public static final int INVALID_TASK = 1;
    public static final int MODEL_DOWNLOAD_FAILED = 2;

    public Error {
      if (code < 1 || code > 255) {
        throw new IllegalArgumentException("error code must be 1 to 255: " + code);
      }
    }

    @Override
    public byte[] bytes() {
      return new byte[] {(byte) code};
    }
  }

  /** Parses the on-chain encoding. */
  static TaskResult of(byte[] bytes) {
    if (bytes.length == 1 && bytes[0] != 0) {
      return new Error(bytes[0] & 0xff);
    }
    if (bytes.length == 0 || bytes.length % Long.BYTES != 0) {
      throw new IllegalArgumentException("not a task result: " + bytes.length + " bytes");
    }
    long[] hashes = new long[bytes.length / Long.BYTES];
    ByteBuffer.wrap(bytes).asLongBuffer().get(hashes);
    return new ImageHashes(hashes);
  }
}

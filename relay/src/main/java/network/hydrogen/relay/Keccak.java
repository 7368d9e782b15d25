package network.hydrogen.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.bouncycastle.jcajce.provider.digest.Keccak.Digest256;

/** Streaming keccak256, so content is hashed without holding it in memory. */
final class Keccak {
  private Keccak() {}

  static byte[] of(byte[] bytes) {
    Digest256 d = new Digest256();
    d.update(bytes);
    return d.digest();
  }

  /** Copies {@code in} to {@code out} (at most {@code limit} bytes) and returns the hash. */
  static byte[] copy(InputStream in, OutputStream out, long limit, String what) throws IOException {
    Digest256 d = new Digest256();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(buffer)) > 0; ) {
      total += n;
      if (total > limit) {
        throw new RelayException(413, what + " is larger than the limit of " + limit + " bytes");
      }
      d.update(buffer, 0, n);
      out.write(buffer, 0, n);
    }
    return d.digest();
  }
}

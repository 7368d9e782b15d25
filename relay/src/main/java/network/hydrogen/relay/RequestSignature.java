package network.hydrogen.relay;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.SignatureException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * The relay's request authentication: an EIP-191 {@code personal_sign} signature over a short text
 * naming the method, the path, a unix timestamp and the keccak256 of the request's content (see
 * docs/relay.md). Any wallet library can produce it; the relay recovers the signer's address.
 */
public final class RequestSignature {
  /** The header carrying the unix timestamp (seconds) the request was signed at. */
  public static final String TIMESTAMP_HEADER = "X-Hydrogen-Timestamp";

  /** The header carrying a random value unique to the request, so that no two requests match. */
  public static final String NONCE_HEADER = "X-Hydrogen-Nonce";

  /** The header carrying the 65-byte signature (r ‖ s ‖ v) as 0x-prefixed hex. */
  public static final String SIGNATURE_HEADER = "X-Hydrogen-Signature";

  private static final SecureRandom RANDOM = new SecureRandom();

  private RequestSignature() {}

  /** The text that is signed. */
  public static String message(
      String method, String path, long timestamp, String nonce, byte[] contentHash) {
    return "hydrogen-relay\n"
        + method.toUpperCase(Locale.ROOT)
        + " "
        + path
        + "\ntimestamp: "
        + timestamp
        + "\nnonce: "
        + nonce
        + "\ncontent: "
        + Numeric.toHexString(contentHash);
  }

  /** Signs the request as {@code personal_sign} does; returns the 0x-prefixed hex signature. */
  public static String sign(
      Credentials credentials,
      String method,
      String path,
      long timestamp,
      String nonce,
      byte[] contentHash) {
    Sign.SignatureData s =
        Sign.signPrefixedMessage(
            message(method, path, timestamp, nonce, contentHash).getBytes(StandardCharsets.UTF_8),
            credentials.getEcKeyPair());
    byte[] out = new byte[65];
    System.arraycopy(s.getR(), 0, out, 0, 32);
    System.arraycopy(s.getS(), 0, out, 32, 32);
    out[64] = s.getV()[0];
    return Numeric.toHexString(out);
  }

  /** A fresh random nonce (16 bytes, hex). */
  public static String newNonce() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return Numeric.toHexStringNoPrefix(b);
  }

  /** The signing time for a request signed now. */
  public static long now() {
    return Instant.now().getEpochSecond();
  }

  /**
   * The lowercase 0x address that signed the request.
   *
   * @throws IllegalArgumentException when the signature is malformed or recovers no key
   */
  public static String recover(
      String signature,
      String method,
      String path,
      long timestamp,
      String nonce,
      byte[] contentHash) {
    byte[] bytes;
    try {
      bytes = Numeric.hexStringToByteArray(signature);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("signature is not hex");
    }
    if (bytes.length != 65) {
      throw new IllegalArgumentException(
          "signature must be 65 bytes (r, s, v), not " + bytes.length);
    }
    byte v = bytes[64];
    if (v < 27) {
      v += 27;
    }
    Sign.SignatureData data =
        new Sign.SignatureData(
            v, Arrays.copyOfRange(bytes, 0, 32), Arrays.copyOfRange(bytes, 32, 64));
    try {
      BigInteger key =
          Sign.signedPrefixedMessageToKey(
              message(method, path, timestamp, nonce, contentHash).getBytes(StandardCharsets.UTF_8),
              data);
      return "0x" + Keys.getAddress(key).toLowerCase(Locale.ROOT);
    } catch (SignatureException | RuntimeException e) {
      throw new IllegalArgumentException("signature recovers no key: " + e.getMessage());
    }
  }
}

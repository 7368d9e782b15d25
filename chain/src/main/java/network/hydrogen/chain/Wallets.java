package network.hydrogen.chain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;
import org.web3j.utils.Numeric;

/**
 * Wallets: new keys, imported private keys, and standard encrypted JSON keystore files (the format
 * of geth and MetaMask). Private keys never appear in messages or logs.
 */
public final class Wallets {
  private Wallets() {}

  /** A new random key. */
  public static Credentials create() {
    try {
      return Credentials.create(Keys.createEcKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no secure random key generation on this JVM", e);
    }
  }

  /** Imports a hex private key (64 hex digits, with or without 0x). */
  public static Credentials fromPrivateKey(String hex) {
    String digits = Numeric.cleanHexPrefix(hex.strip());
    if (!digits.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          "a private key must be 64 hex digits (optionally 0x-prefixed); got "
              + digits.length()
              + " characters");
    }
    return Credentials.create(digits);
  }

  /**
   * Writes the key as an encrypted keystore file (scrypt, the standard parameters) in {@code dir}
   * and returns its path.
   */
  public static Path saveKeystore(Credentials credentials, String password, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    ECKeyPair keys = credentials.getEcKeyPair();
    try {
      String name = WalletUtils.generateWalletFile(password, keys, dir.toFile(), true);
      return dir.resolve(name);
    } catch (CipherException e) {
      throw new IOException("cannot encrypt the keystore: " + e.getMessage(), e);
    }
  }

  /** Reads an encrypted keystore file; a wrong password is a clear error. */
  public static Credentials loadKeystore(Path file, String password) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("no keystore file at " + file);
    }
    try {
      return WalletUtils.loadCredentials(password, file.toFile());
    } catch (CipherException e) {
      throw new IOException("cannot decrypt keystore " + file + ": wrong password?", e);
    }
  }
}

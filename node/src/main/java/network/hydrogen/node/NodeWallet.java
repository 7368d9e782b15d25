package network.hydrogen.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import network.hydrogen.chain.Wallets;
import org.web3j.crypto.Credentials;

/**
 * Opens the node's wallet: the keystore file if it exists, else one written on first start from an
 * imported private key or a new random key. The password is needed either way.
 */
final class NodeWallet {
  private NodeWallet() {}

  /** The wallet's key, and in {@code created} words on what was done, for the node's log. */
  record Opened(Credentials credentials, String created) {}

  static Opened open(NodeConfig.WalletSource source) throws IOException {
    String password =
        source
            .password()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the wallet needs a password: set password, password-file or "
                            + NodeConfig.ENV_PREFIX
                            + "PASSWORD"));
    Path keystore = source.keystore();
    if (Files.exists(keystore)) {
      return new Opened(Wallets.loadKeystore(keystore, password), null);
    }
    Credentials credentials =
        source.importKey().map(Wallets::fromPrivateKey).orElseGet(Wallets::create);
    Path dir = keystore.toAbsolutePath().getParent();
    Path written = Wallets.saveKeystore(credentials, password, dir);
    Files.move(written, keystore, StandardCopyOption.ATOMIC_MOVE);
    String how = source.importKey().isPresent() ? "imported the private key" : "created a new key";
    return new Opened(
        credentials, how + " and saved it encrypted as " + keystore + " (keep a copy of it)");
  }
}

package network.hydrogen.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.hydrogen.chain.Wallets;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen chain wallet}: creates or imports a wallet into an encrypted keystore file. */
@Command(
    name = "wallet",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a standard encrypted JSON keystore (scrypt) for a new random key, or for the hex"
          + " private key in --import FILE, into --dir, and prints its address and file. The"
          + " password comes from --password-file or HYDROGEN_PASSWORD; the key is never"
          + " printed."
    })
final class WalletCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = ".hydrogen/keystore",
      paramLabel = "DIR",
      description = "Where to write the keystore file (default .hydrogen/keystore).")
  Path dir;

  @Option(
      names = "--import",
      paramLabel = "FILE",
      description = "Import the hex private key held in this file instead of creating a key.")
  Path importKey;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "A file holding the password (default: the HYDROGEN_PASSWORD variable).")
  Path passwordFile;

  @Override
  public Integer call() throws IOException {
    String password = password(passwordFile);
    Credentials wallet;
    if (importKey == null) {
      wallet = Wallets.create();
    } else {
      if (!Files.isRegularFile(importKey)) {
        throw new BadInputException("no key file at " + importKey);
      }
      try {
        wallet = Wallets.fromPrivateKey(Files.readString(importKey));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(importKey + ": " + e.getMessage());
      }
    }
    Path file = Wallets.saveKeystore(wallet, password, dir);
    spec.commandLine().getOut().printf("address %s%nkeystore %s%n", wallet.getAddress(), file);
    return 0;
  }

  /** The keystore password: the file's first line, else HYDROGEN_PASSWORD. */
  static String password(Path passwordFile) throws IOException {
    if (passwordFile != null) {
      if (!Files.isRegularFile(passwordFile)) {
        throw new BadInputException("no password file at " + passwordFile);
      }
      String password = Files.readString(passwordFile).lines().findFirst().orElse("");
      if (password.isEmpty()) {
        throw new BadInputException(passwordFile + " holds no password");
      }
      return password;
    }
    String password = System.getenv("HYDROGEN_PASSWORD");
    if (password == null || password.isEmpty()) {
      throw new BadInputException("give --password-file or set HYDROGEN_PASSWORD");
    }
    return password;
  }
}

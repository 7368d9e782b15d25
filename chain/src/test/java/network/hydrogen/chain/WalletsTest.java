package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

class WalletsTest {
  @TempDir Path dir;

  @Test
  void aKeystoreRoundTripsAndNeedsItsPassword() throws IOException {
    Credentials wallet = Wallets.create();
    Path file = Wallets.saveKeystore(wallet, "correct horse", dir);
    String json = Files.readString(file);
    assertThat(json).contains("\"crypto\"").contains("scrypt");
    String key = wallet.getEcKeyPair().getPrivateKey().toString(16);
    assertThat(json).doesNotContain(key);
    Credentials loaded = Wallets.loadKeystore(file, "correct horse");
    assertThat(loaded.getAddress()).isEqualTo(wallet.getAddress());
    assertThat(loaded.getEcKeyPair()).isEqualTo(wallet.getEcKeyPair());
    assertThatThrownBy(() -> Wallets.loadKeystore(file, "wrong"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("wrong password");
    assertThatThrownBy(() -> Wallets.loadKeystore(dir.resolve("none.json"), "x"))
        .hasMessageContaining("no keystore file");
  }

  @Test
  void importsAPrivateKeyAndRejectsMalformedOnesWithoutEchoingThem() {
    // Hardhat's first test account.
    Credentials c =
        Wallets.fromPrivateKey(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    assertThat(c.getAddress()).isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assertThatThrownBy(() -> Wallets.fromPrivateKey("0x1234zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 hex digits")
        .hasMessageNotContaining("1234zz");
  }

  @Test
  void devAccountsDeriveFromHardhatsMnemonic() {
    // The addresses Hardhat prints for its default accounts #0 and #1.
    List<String> expected =
        List.of(
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    Credentials c0 = derive(0);
    Credentials c1 = derive(1);
    assertThat(List.of(c0.getAddress(), c1.getAddress())).isEqualTo(expected);
  }

  private static Credentials derive(int i) {
    var master =
        org.web3j.crypto.Bip32ECKeyPair.generateKeyPair(
            org.web3j.crypto.MnemonicUtils.generateSeed(HardhatNode.TEST_MNEMONIC, ""));
    int hardened = org.web3j.crypto.Bip32ECKeyPair.HARDENED_BIT;
    return Credentials.create(
        org.web3j.crypto.Bip32ECKeyPair.deriveKeyPair(
            master, new int[] {44 | hardened, 60 | hardened, hardened, 0, i}));
  }
}

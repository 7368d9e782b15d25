package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalChainExtension.class)
class TransactionSenderTest {
  @Test
  void concurrentSendsFromOneWalletGetDistinctNonces(LocalChain c) throws Exception {
    int sends = 24;
    List<Future<Receipt>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < sends; i++) {
        int to = 1 + i % 4;
        futures.add(pool.submit(() -> c.token.transfer(c.owner, c.address(to), BigInteger.ONE)));
      }
      for (Future<Receipt> f : futures) {
        assertThat(f.get().gasUsed()).isPositive();
      }
    }
    for (int i = 1; i <= 4; i++) {
      assertThat(c.token.balanceOf(c.address(i))).isEqualTo(BigInteger.valueOf(sends / 4));
    }
  }

  @Test
  void aRevertIsReportedBeforeSigningAndDoesNotBreakLaterNonces(LocalChain c) {
    assertThatThrownBy(() -> c.token.transfer(c.sender(5), c.address(6), BigInteger.ONE))
        .isInstanceOf(ChainException.class)
        .hasMessageContaining("ERC20InsufficientBalance");
    c.fund(5, BigInteger.TEN);
    c.token.transfer(c.sender(5), c.address(6), BigInteger.ONE);
    assertThat(c.token.balanceOf(c.address(6))).isEqualTo(BigInteger.ONE);
  }

  @Test
  void aTransactionNotMinedInTimeIsAClearErrorAndLaterSendsStillWork(LocalChain c) {
    try (Chain impatient =
        Chain.connect(
            c.hardhat.rpcUrl(),
            new Chain.Options(
                java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(20), 0))) {
      TransactionSender sender = impatient.sender(c.accounts.get(7));
      c.chain.devRpc("evm_setAutomine", false);
      try {
        assertThatThrownBy(() -> sender.sendEther(c.address(8), BigInteger.ONE))
            .isInstanceOf(ChainException.class)
            .hasMessageContaining("not mined within PT0.3S");
      } finally {
        c.chain.devRpc("evm_setAutomine", true);
        c.chain.devRpc("evm_mine");
      }
      BigInteger before = c.chain.etherBalance(c.address(9));
      sender.sendEther(c.address(9), BigInteger.TWO);
      assertThat(c.chain.etherBalance(c.address(9))).isEqualTo(before.add(BigInteger.TWO));
    }
  }

  @Test
  void aMinedRevertIsExplainedByReplayingTheTransaction(LocalChain c) {
    // Gas estimation catches reverts before sending; a transaction that still reverts when mined
    // (another one changed the state first) is replayed on its block's state to say why.
    String data =
        org.web3j.abi.FunctionEncoder.encode(
            new org.web3j.abi.datatypes.Function(
                "join",
                List.of(
                    new org.web3j.abi.datatypes.Utf8String("GPU"),
                    new org.web3j.abi.datatypes.generated.Uint64(1)),
                List.of()));
    var call =
        new org.web3j.protocol.core.methods.request.Transaction(
            c.address(11), null, null, null, c.nodes.address(), BigInteger.ZERO, data);
    assertThat(c.sender(11).revertReason(call, BigInteger.valueOf(c.chain.blockNumber())))
        .startsWith("ERC20InsufficientAllowance(" + c.nodes.address().toLowerCase() + ", 0, ");
  }

  @Test
  void etherTransfersAndBalances(LocalChain c) {
    String fresh = Wallets.create().getAddress();
    c.owner.sendEther(fresh, BigInteger.TEN.pow(18));
    assertThat(c.chain.etherBalance(fresh)).isEqualTo(BigInteger.TEN.pow(18));
  }

  @Test
  void connectingToNothingIsAClearError() {
    assertThatThrownBy(() -> Chain.connect("http://127.0.0.1:1"))
        .isInstanceOf(ChainException.class)
        .hasMessageContaining("no EVM JSON-RPC endpoint answers at http://127.0.0.1:1");
  }
}

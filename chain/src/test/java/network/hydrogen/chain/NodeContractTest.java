package network.hydrogen.chain;

import static network.hydrogen.chain.TokenContract.cnx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalChainExtension.class)
class NodeContractTest {
  private static final long GIB = 1L << 30;

  @Test
  void tokenHasEighteenDecimalsAndTheOwnerHoldsTheSupply(LocalChain c) {
    assertThat(c.token.totalSupply()).isEqualTo(cnx(1_000_000));
    assertThat(c.token.balanceOf(c.owner.address())).isEqualTo(cnx(1_000_000));
    assertThat(TokenContract.ONE_CNX).isEqualTo(BigInteger.TEN.pow(18));
  }

  @Test
  void joinTakesTheStakeAndDeclaresTheGpu(LocalChain c) {
    TransactionSender node = c.join(1, 8 * GIB);
    NodeInfo info = c.nodes.infoOf(node.address());
    assertThat(info).isEqualTo(new NodeInfo(NodeStatus.AVAILABLE, 8 * GIB, cnx(400), "Test GPU 1"));
    assertThat(c.token.balanceOf(node.address())).isZero();
    assertThat(c.token.balanceOf(c.nodes.address())).isEqualTo(cnx(400));
    assertThat(c.nodes.availableCount()).isEqualTo(1);
  }

  @Test
  void joinWithoutAllowanceOrTwiceFails(LocalChain c) {
    c.fund(1, cnx(400));
    assertThatThrownBy(() -> c.nodes.join(c.sender(1), "GPU", GIB))
        .isInstanceOf(ChainException.class)
        .hasMessageContaining("ERC20InsufficientAllowance");
    c.join(2, GIB);
    c.fund(2, cnx(400));
    c.token.approve(c.sender(2), c.nodes.address(), cnx(400));
    assertThatThrownBy(() -> c.nodes.join(c.sender(2), "GPU", GIB))
        .hasMessageContaining("WrongStatus");
  }

  @Test
  void pauseResumeAndQuitReturnTheStake(LocalChain c) {
    TransactionSender node = c.join(1, GIB);
    c.nodes.pause(node);
    assertThat(c.nodes.statusOf(node.address())).isEqualTo(NodeStatus.PAUSED);
    assertThat(c.nodes.availableCount()).isZero();
    c.nodes.resume(node);
    assertThat(c.nodes.statusOf(node.address())).isEqualTo(NodeStatus.AVAILABLE);
    Receipt quit = c.nodes.quit(node);
    assertThat(quit.events())
        .contains(new ContractEvent.NodeQuit(node.address().toLowerCase(), cnx(400)));
    assertThat(c.nodes.statusOf(node.address())).isEqualTo(NodeStatus.QUIT);
    assertThat(c.token.balanceOf(node.address())).isEqualTo(cnx(400));
    assertThat(c.nodes.availableCount()).isZero();
    assertThatThrownBy(() -> c.nodes.pause(node)).hasMessageContaining("WrongStatus");
  }

  @Test
  void onlyTheOwnerSetsTheStakeAndNewNodesPayIt(LocalChain c) {
    assertThatThrownBy(() -> c.nodes.setStakeAmount(c.sender(1), cnx(1)))
        .hasMessageContaining("OwnableUnauthorizedAccount");
    c.nodes.setStakeAmount(c.owner, cnx(100));
    assertThat(c.nodes.stakeAmount()).isEqualTo(cnx(100));
    TransactionSender node = c.join(1, GIB);
    assertThat(c.nodes.infoOf(node.address()).stake()).isEqualTo(cnx(100));
  }

  @Test
  void onlyTheTaskContractSelectsOrSlashes(LocalChain c) {
    c.join(1, GIB);
    assertThatThrownBy(
            () ->
                c.owner.send(
                    c.nodes.address(),
                    new org.web3j.abi.datatypes.Function(
                        "slash",
                        java.util.List.of(new org.web3j.abi.datatypes.Address(c.address(1))),
                        java.util.List.of())))
        .hasMessageContaining("NotTaskContract");
  }
}

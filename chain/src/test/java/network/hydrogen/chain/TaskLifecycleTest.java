package network.hydrogen.chain;

import static network.hydrogen.chain.TokenContract.cnx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The task lifecycle scenarios of the protocol, each checking balances, stakes and states. */
@ExtendWith(LocalChainExtension.class)
class TaskLifecycleTest {
  private static final long GIB = 1L << 30;
  private static final int CREATOR = 30;
  private static final BigInteger FEE = cnx(10);
  private static final BigInteger STAKE = cnx(400);
  private static final TaskResult HONEST = hashes(0x0123456789abcdefL, 0x7766554433221100L);
  private static final TaskResult FAKE = hashes(~0x0123456789abcdefL, 0x7766554433221100L);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Three (or more) joined nodes, a funded creator with the fee approved, and one task. */
  private static final class Run {
    final LocalChain c;
    final Map<String, TransactionSender> byAddress = new HashMap<>();
    final TransactionSender creator;
    TaskContract.CreatedTask task;

    Run(LocalChain c, int nodes) {
      this.c = c;
      for (int i = 1; i <= nodes; i++) {
        TransactionSender node = c.join(i, 8 * GIB);
        byAddress.put(node.address().toLowerCase(), node);
      }
      creator = c.sender(CREATOR);
      c.fund(CREATOR, cnx(100));
      c.token.approve(creator, c.tasks.address(), cnx(100));
    }

    Run create() {
      task = c.tasks.createTask(creator, bytes32(1), bytes32(2), 4 * GIB);
      return this;
    }

    TransactionSender node(int round) {
      return byAddress.get(task.nodes().get(round));
    }

    byte[] commit(int round, TaskResult result) {
      byte[] nonce = bytes32(RANDOM.nextLong());
      c.tasks.commit(node(round), task.taskId(), TaskContract.commitment(result, nonce));
      return nonce;
    }

    Receipt disclose(int round, TaskResult result, byte[] nonce) {
      return c.tasks.disclose(node(round), task.taskId(), result, nonce);
    }

    /** All three commit, then disclose in round order; returns the receipts of the disclosures. */
    List<Receipt> runAll(TaskResult r0, TaskResult r1, TaskResult r2) {
      byte[] n0 = commit(0, r0);
      byte[] n1 = commit(1, r1);
      byte[] n2 = commit(2, r2);
      return List.of(disclose(0, r0, n0), disclose(1, r1, n1), disclose(2, r2, n2));
    }

    BigInteger balance(int round) {
      return c.token.balanceOf(task.nodes().get(round));
    }

    NodeInfo info(int round) {
      return c.nodes.infoOf(task.nodes().get(round));
    }

    TaskState state() {
      return c.tasks.state(task.taskId());
    }
  }

  @Test
  void threeHonestNodesArePaidAndFreed(LocalChain c) {
    Run run = new Run(c, 3).create();
    assertThat(run.task.nodes()).doesNotHaveDuplicates().hasSize(3);
    assertThat(run.task.receipt().events())
        .filteredOn(ContractEvent.TaskCreated.class::isInstance)
        .hasSize(3);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(70));
    List<Receipt> receipts = run.runAll(HONEST, HONEST, HONEST);

    assertThat(receipts.get(1).events())
        .contains(new ContractEvent.TaskSuccess(run.task.taskId(), HONEST, run.task.nodes().get(0)))
        .contains(
            new ContractEvent.TaskNodeSettled(
                run.task.taskId(), run.task.nodes().get(1), Outcome.PAID, FEE));
    // The result node is paid once it reports the upload.
    assertThat(run.balance(0)).isZero();
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.BUSY);
    Receipt uploaded = c.tasks.reportUploaded(run.node(0), run.task.taskId());
    assertThat(uploaded.events())
        .contains(new ContractEvent.TaskResultUploaded(run.task.taskId(), run.task.nodes().get(0)));

    for (int i = 0; i < 3; i++) {
      assertThat(run.balance(i)).isEqualTo(FEE);
      assertThat(run.info(i).status()).isEqualTo(NodeStatus.AVAILABLE);
      assertThat(run.info(i).stake()).isEqualTo(STAKE);
    }
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(70));
    TaskState state = run.state();
    assertThat(state.status()).isEqualTo(TaskStatus.SUCCESS);
    assertThat(state.uploaded()).isTrue();
    assertThat(state.parts()).containsOnly(NodePart.SETTLED);
    assertThat(c.tasks.resultOf(run.task.taskId(), 2)).contains(HONEST);
  }

  @Test
  void aCheaterIsSlashedAndTheOthersPaid(LocalChain c) {
    Run run = new Run(c, 3).create();
    BigInteger treasuryBefore = c.token.balanceOf(c.owner.address());
    byte[] n0 = run.commit(0, HONEST);
    byte[] n1 = run.commit(1, FAKE);
    byte[] n2 = run.commit(2, HONEST);
    run.disclose(0, HONEST, n0);
    run.disclose(1, FAKE, n1);
    Receipt last = run.disclose(2, HONEST, n2);
    assertThat(last.events())
        .contains(
            new ContractEvent.TaskNodeSettled(
                run.task.taskId(), run.task.nodes().get(1), Outcome.SLASHED, BigInteger.ZERO),
            new ContractEvent.NodeSlashed(run.task.nodes().get(1), STAKE));
    c.tasks.reportUploaded(run.node(0), run.task.taskId());

    assertThat(run.info(1))
        .extracting(NodeInfo::status, NodeInfo::stake)
        .containsExactly(NodeStatus.QUIT, BigInteger.ZERO);
    assertThat(run.balance(1)).isZero();
    assertThat(run.balance(0)).isEqualTo(FEE);
    assertThat(run.balance(2)).isEqualTo(FEE);
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(run.info(2).status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(c.token.balanceOf(c.owner.address())).isEqualTo(treasuryBefore.add(STAKE));
    // The cheater's fee goes back to the creator.
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(80));
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
    assertThat(c.nodes.availableCount()).isEqualTo(2);
  }

  /** The protocol's limit: two colluders out of three win, and the honest node is slashed. */
  @Test
  void twoColludingCheatersBeatOneHonestNode(LocalChain c) {
    Run run = new Run(c, 3).create();
    List<Receipt> receipts = run.runAll(FAKE, FAKE, HONEST);
    assertThat(receipts.get(1).events())
        .contains(new ContractEvent.TaskSuccess(run.task.taskId(), FAKE, run.task.nodes().get(0)));
    c.tasks.reportUploaded(run.node(0), run.task.taskId());
    assertThat(run.balance(0)).isEqualTo(FEE);
    assertThat(run.balance(1)).isEqualTo(FEE);
    assertThat(run.info(2))
        .extracting(NodeInfo::status, NodeInfo::stake)
        .containsExactly(NodeStatus.QUIT, BigInteger.ZERO);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(80));
  }

  @Test
  void threeDifferentResultsAbortWithARefund(LocalChain c) {
    Run run = new Run(c, 3).create();
    TaskResult third = hashes(0x0123456789abcdefL, ~0x7766554433221100L);
    List<Receipt> receipts = run.runAll(HONEST, FAKE, third);
    assertThat(receipts.get(2).events())
        .contains(new ContractEvent.TaskAborted(run.task.taskId(), AbortReason.RESULTS_DISAGREE))
        .contains(
            new ContractEvent.FeeRefunded(
                run.task.taskId(), run.creator.address().toLowerCase(), cnx(30)));
    assertThat(run.state().status()).isEqualTo(TaskStatus.ABORTED);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(100));
    for (int i = 0; i < 3; i++) {
      assertThat(run.balance(i)).isZero();
      assertThat(run.info(i).status()).isEqualTo(NodeStatus.AVAILABLE);
      assertThat(run.info(i).stake()).isEqualTo(STAKE);
    }
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
  }

  @Test
  void aNodeThatNeverCommitsIsPenalisedAndTheCreatorRefunded(LocalChain c) {
    Run run = new Run(c, 3).create();
    run.commit(0, HONEST);
    run.commit(1, HONEST);
    BigInteger treasuryBefore = c.token.balanceOf(c.owner.address());
    assertThatThrownBy(() -> c.tasks.timeout(run.creator, run.task.taskId()))
        .hasMessageContaining("DeadlineNotReached");
    c.chain.increaseTime(Duration.ofMinutes(11));
    Receipt timeout = c.tasks.timeout(run.creator, run.task.taskId());
    assertThat(timeout.events())
        .contains(new ContractEvent.TaskAborted(run.task.taskId(), AbortReason.COMMIT_TIMEOUT));
    BigInteger penalty = c.tasks.parameters().timeoutPenalty();
    assertThat(run.info(2))
        .extracting(NodeInfo::status, NodeInfo::stake)
        .containsExactly(NodeStatus.QUIT, BigInteger.ZERO);
    assertThat(run.balance(2)).isEqualTo(STAKE.subtract(penalty));
    assertThat(c.token.balanceOf(c.owner.address())).isEqualTo(treasuryBefore.add(penalty));
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(run.info(1).status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(100));
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
    assertThatThrownBy(() -> c.tasks.timeout(run.creator, run.task.taskId()))
        .hasMessageContaining("WrongTaskStatus");
  }

  @Test
  void aSilentDiscloserIsPenalisedAfterSuccess(LocalChain c) {
    Run run = new Run(c, 3).create();
    byte[] n0 = run.commit(0, HONEST);
    byte[] n1 = run.commit(1, HONEST);
    run.commit(2, HONEST);
    run.disclose(0, HONEST, n0);
    run.disclose(1, HONEST, n1);
    c.tasks.reportUploaded(run.node(0), run.task.taskId());
    c.chain.increaseTime(Duration.ofMinutes(11));
    c.tasks.timeout(run.creator, run.task.taskId());
    assertThat(run.info(2).status()).isEqualTo(NodeStatus.QUIT);
    assertThat(run.balance(0)).isEqualTo(FEE);
    assertThat(run.balance(1)).isEqualTo(FEE);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(80));
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
  }

  @Test
  void aResultNodeThatNeverUploadsIsPenalisedAndItsFeeRefunded(LocalChain c) {
    Run run = new Run(c, 3).create();
    run.runAll(HONEST, HONEST, HONEST);
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.BUSY);
    c.chain.increaseTime(Duration.ofMinutes(11));
    assertThatThrownBy(() -> c.tasks.reportUploaded(run.node(0), run.task.taskId()))
        .hasMessageContaining("DeadlinePassed");
    c.tasks.timeout(run.node(1), run.task.taskId());
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.QUIT);
    assertThat(run.balance(0)).isEqualTo(STAKE.subtract(c.tasks.parameters().timeoutPenalty()));
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(80));
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
  }

  @Test
  void aSilentDiscloserBeforeAgreementAbortsTheTask(LocalChain c) {
    Run run = new Run(c, 3).create();
    byte[] n0 = run.commit(0, HONEST);
    run.commit(1, HONEST);
    run.commit(2, HONEST);
    run.disclose(0, HONEST, n0);
    c.chain.increaseTime(Duration.ofMinutes(6));
    Receipt timeout = c.tasks.timeout(run.creator, run.task.taskId());
    assertThat(timeout.events())
        .contains(new ContractEvent.TaskAborted(run.task.taskId(), AbortReason.DISCLOSE_TIMEOUT));
    assertThat(run.info(0).status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(run.info(1).status()).isEqualTo(NodeStatus.QUIT);
    assertThat(run.info(2).status()).isEqualTo(NodeStatus.QUIT);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(100));
  }

  @Test
  void aDisclosureThatDoesNotMatchTheCommitmentIsRejected(LocalChain c) {
    Run run = new Run(c, 3).create();
    byte[] n0 = run.commit(0, HONEST);
    run.commit(1, HONEST);
    run.commit(2, HONEST);
    assertThatThrownBy(() -> run.disclose(0, FAKE, n0)).hasMessageContaining("CommitmentMismatch");
    assertThatThrownBy(() -> run.disclose(0, HONEST, bytes32(42)))
        .hasMessageContaining("CommitmentMismatch");
    assertThat(run.state().parts().get(0)).isEqualTo(NodePart.COMMITTED);
    run.disclose(0, HONEST, n0);
    assertThat(run.state().parts().get(0)).isEqualTo(NodePart.DISCLOSED);
  }

  @Test
  void commitmentsAndNoncesCannotBeReplayed(LocalChain c) {
    Run run = new Run(c, 6).create();
    byte[] nonce = bytes32(7);
    byte[] commitment = TaskContract.commitment(HONEST, nonce);
    c.tasks.commit(run.node(0), run.task.taskId(), commitment);
    // A lazy node copying another's commitment.
    assertThatThrownBy(() -> c.tasks.commit(run.node(1), run.task.taskId(), commitment))
        .hasMessageContaining("CommitmentReused");
    byte[] n1 = run.commit(1, HONEST);
    byte[] n2 = run.commit(2, HONEST);
    run.disclose(0, HONEST, nonce);
    run.disclose(1, HONEST, n1);
    run.disclose(2, HONEST, n2);
    c.tasks.reportUploaded(run.node(0), run.task.taskId());

    // A second task: the same nonce with another result makes a new commitment, but the nonce is
    // spent.
    TaskContract.CreatedTask second = c.tasks.createTask(run.creator, bytes32(3), bytes32(4), GIB);
    TransactionSender node = run.byAddress.get(second.nodes().get(0));
    TaskResult other = hashes(5);
    c.tasks.commit(node, second.taskId(), TaskContract.commitment(other, nonce));
    for (int i = 1; i < 3; i++) {
      c.tasks.commit(
          run.byAddress.get(second.nodes().get(i)),
          second.taskId(),
          TaskContract.commitment(other, bytes32(100 + i)));
    }
    assertThatThrownBy(() -> c.tasks.disclose(node, second.taskId(), other, nonce))
        .hasMessageContaining("NonceReused");
  }

  @Test
  void nodesThatWereNotSelectedCannotTakePart(LocalChain c) {
    Run run = new Run(c, 4).create();
    String outsider =
        run.byAddress.keySet().stream()
            .filter(a -> !run.task.nodes().contains(a))
            .findFirst()
            .orElseThrow();
    TransactionSender stranger = run.byAddress.get(outsider);
    assertThatThrownBy(
            () ->
                c.tasks.commit(
                    stranger, run.task.taskId(), TaskContract.commitment(HONEST, bytes32(9))))
        .hasMessageContaining("NotSelected");
    assertThatThrownBy(() -> c.tasks.commit(run.creator, run.task.taskId(), bytes32(9)))
        .hasMessageContaining("NotSelected");
    assertThatThrownBy(() -> c.tasks.commit(stranger, BigInteger.valueOf(999), bytes32(9)))
        .hasMessageContaining("UnknownTask");
    byte[] n0 = run.commit(0, HONEST);
    run.commit(1, HONEST);
    run.commit(2, HONEST);
    assertThatThrownBy(() -> c.tasks.disclose(stranger, run.task.taskId(), HONEST, n0))
        .hasMessageContaining("NotSelected");
    assertThat(run.state().parts()).containsOnly(NodePart.COMMITTED);
  }

  @Test
  void pauseAndQuitWhileBusyTakeEffectWhenTheTaskEnds(LocalChain c) {
    Run run = new Run(c, 3).create();
    c.nodes.pause(run.node(1));
    c.nodes.quit(run.node(2));
    assertThat(run.info(1).status()).isEqualTo(NodeStatus.PENDING_PAUSE);
    assertThat(run.info(2).status()).isEqualTo(NodeStatus.PENDING_QUIT);
    run.runAll(HONEST, HONEST, HONEST);
    assertThat(run.info(1).status()).isEqualTo(NodeStatus.PAUSED);
    assertThat(run.info(2))
        .extracting(NodeInfo::status, NodeInfo::stake)
        .containsExactly(NodeStatus.QUIT, BigInteger.ZERO);
    assertThat(run.balance(1)).isEqualTo(FEE);
    assertThat(run.balance(2)).isEqualTo(STAKE.add(FEE));
    c.nodes.resume(run.node(1));
    assertThat(run.info(1).status()).isEqualTo(NodeStatus.AVAILABLE);
  }

  @Test
  void tooFewAvailableNodesOrTooLittleVramFailClearly(LocalChain c) {
    Run run = new Run(c, 2);
    assertThatThrownBy(() -> run.create()).hasMessageContaining("NotEnoughNodes(2, 3)");
    c.join(3, 2 * GIB);
    assertThatThrownBy(() -> run.create()).hasMessageContaining("NotEnoughNodes(2, 3)");
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(100));
    c.join(4, 16 * GIB);
    run.create();
    assertThat(run.task.nodes()).doesNotContain(c.address(3).toLowerCase());
  }

  @Test
  void tooLittleAllowanceFails(LocalChain c) {
    Run run = new Run(c, 3);
    c.token.approve(run.creator, c.tasks.address(), cnx(29));
    assertThatThrownBy(() -> run.create()).hasMessageContaining("ERC20InsufficientAllowance");
    assertThat(c.nodes.availableCount()).isEqualTo(3);
  }

  @Test
  void twoMatchingErrorReportsAbortWithoutSlashingThem(LocalChain c) {
    Run run = new Run(c, 3).create();
    TaskResult error = new TaskResult.Error(TaskResult.Error.INVALID_TASK);
    byte[] n0 = run.commit(0, error);
    byte[] n1 = run.commit(1, error);
    byte[] n2 = run.commit(2, HONEST);
    run.disclose(0, error, n0);
    Receipt second = run.disclose(1, error, n1);
    assertThat(second.events())
        .contains(new ContractEvent.TaskAborted(run.task.taskId(), AbortReason.TASK_ERROR));
    // The task is over: the third node is freed and has nothing left to disclose.
    assertThatThrownBy(() -> run.disclose(2, HONEST, n2)).hasMessageContaining("WrongTaskStatus");
    for (int i = 0; i < 3; i++) {
      assertThat(run.info(i).status()).isEqualTo(NodeStatus.AVAILABLE);
      assertThat(run.info(i).stake()).isEqualTo(STAKE);
      assertThat(run.balance(i)).isZero();
    }
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(100));
  }

  @Test
  void aLoneErrorReportIsFreedUnpaidNotSlashed(LocalChain c) {
    Run run = new Run(c, 3).create();
    TaskResult error = new TaskResult.Error(TaskResult.Error.MODEL_DOWNLOAD_FAILED);
    List<Receipt> receipts = run.runAll(HONEST, error, HONEST);
    assertThat(receipts.get(2).events())
        .contains(new ContractEvent.TaskSuccess(run.task.taskId(), HONEST, run.task.nodes().get(0)))
        .contains(
            new ContractEvent.TaskNodeSettled(
                run.task.taskId(), run.task.nodes().get(1), Outcome.FREED, BigInteger.ZERO));
    c.tasks.reportUploaded(run.node(0), run.task.taskId());
    assertThat(run.info(1))
        .extracting(NodeInfo::status, NodeInfo::stake)
        .containsExactly(NodeStatus.AVAILABLE, STAKE);
    assertThat(run.balance(1)).isZero();
    assertThat(run.balance(0)).isEqualTo(FEE);
    assertThat(run.balance(2)).isEqualTo(FEE);
    assertThat(c.token.balanceOf(run.creator.address())).isEqualTo(cnx(80));
    assertThat(c.token.balanceOf(c.tasks.address())).isZero();
  }

  @Test
  void malformedResultsAreRejected(LocalChain c) {
    Run run = new Run(c, 3).create();
    byte[] nonce = bytes32(11);
    byte[] fiveBytes = {1, 2, 3, 4, 5};
    byte[] packed = new byte[37];
    System.arraycopy(fiveBytes, 0, packed, 0, 5);
    System.arraycopy(nonce, 0, packed, 5, 32);
    c.tasks.commit(run.node(0), run.task.taskId(), org.web3j.crypto.Hash.sha3(packed));
    run.commit(1, HONEST);
    run.commit(2, HONEST);
    assertThatThrownBy(
            () ->
                run.node(0)
                    .send(
                        c.tasks.address(),
                        new org.web3j.abi.datatypes.Function(
                            "disclose",
                            List.of(
                                new org.web3j.abi.datatypes.generated.Uint256(run.task.taskId()),
                                new org.web3j.abi.datatypes.DynamicBytes(fiveBytes),
                                new org.web3j.abi.datatypes.generated.Bytes32(nonce)),
                            List.of())))
        .hasMessageContaining("MalformedResult(5)");
    assertThatThrownBy(() -> TaskResult.of(fiveBytes)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TaskResult.Error(0)).hasMessageContaining("1 to 255");
  }

  private static TaskResult hashes(long... h) {
    return new TaskResult.ImageHashes(h);
  }

  static byte[] bytes32(long v) {
    byte[] b = new byte[32];
    for (int i = 0; i < 8; i++) {
      b[31 - i] = (byte) (v >>> (8 * i));
    }
    return b;
  }
}

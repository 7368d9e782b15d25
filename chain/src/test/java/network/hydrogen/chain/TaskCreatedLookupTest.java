package network.hydrogen.chain;

import static network.hydrogen.chain.TokenContract.cnx;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.utils.Numeric;

/** {@link TaskContract#created}: the task hash and selected nodes read back from the logs. */
@ExtendWith(LocalChainExtension.class)
class TaskCreatedLookupTest {
  @Test
  void readsTheCreationEventsOfOneTaskInRoundOrder(LocalChain c) {
    for (int i = 1; i <= 6; i++) {
      c.join(i, 8L << 30);
    }
    c.token.approve(c.owner, c.tasks.address(), cnx(100));
    byte[] first = new byte[32];
    first[31] = 1;
    byte[] second = new byte[32];
    second[31] = 2;
    TaskContract.CreatedTask a = c.tasks.createTask(c.owner, first, new byte[32], 1L << 30);
    TaskContract.CreatedTask b = c.tasks.createTask(c.owner, second, new byte[32], 1L << 30);

    List<ContractEvent.TaskCreated> created = c.tasks.created(b.taskId());
    assertThat(created).extracting(ContractEvent.TaskCreated::round).containsExactly(0, 1, 2);
    assertThat(created).extracting(ContractEvent.TaskCreated::node).isEqualTo(b.nodes());
    assertThat(created)
        .extracting(ContractEvent.TaskCreated::taskHash)
        .containsOnly(Numeric.toHexString(second));
    assertThat(c.tasks.created(a.taskId()))
        .extracting(ContractEvent.TaskCreated::taskHash)
        .containsOnly(Numeric.toHexString(first));
    assertThat(c.tasks.created(BigInteger.valueOf(1_000))).isEmpty();
  }
}

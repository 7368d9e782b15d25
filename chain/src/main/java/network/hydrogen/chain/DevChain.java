package network.hydrogen.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * The local development chain: a Hardhat node on 127.0.0.1 with the contracts deployed by account 0
 * and accounts 1..N funded with CNX (they already hold test ether), described in a deployment file
 * the other commands read.
 */
public final class DevChain implements AutoCloseable {
  private final HardhatNode node;
  private final Chain chain;
  private final Deployment deployment;

  private DevChain(HardhatNode node, Chain chain, Deployment deployment) {
    this.node = node;
    this.chain = chain;
    this.deployment = deployment;
  }

  /**
   * Starts the chain, deploys, funds {@code accounts} accounts with {@code cnxEach} CNX and writes
   * the deployment to {@code deploymentFile} (when not null).
   */
  public static DevChain start(
      Path contractsDir, int port, int accounts, BigInteger cnxEach, Path deploymentFile)
      throws IOException {
    if (accounts < 0 || accounts > 1000) {
      throw new IllegalArgumentException("funded accounts must be 0 to 1000: " + accounts);
    }
    HardhatNode node = HardhatNode.start(contractsDir, port, accounts + 1, Duration.ofSeconds(60));
    try {
      Chain chain = Chain.connect(node.rpcUrl());
      List<Credentials> keys = node.accounts();
      TransactionSender owner = chain.sender(keys.get(0));
      BigInteger supply =
          cnxEach.multiply(BigInteger.valueOf(accounts)).add(TokenContract.cnx(1_000_000));
      Deployment deployed = Deployer.deploy(chain, owner, node.rpcUrl(), supply).deployment();
      TokenContract token = deployed.token(chain);
      List<Deployment.DevAccount> funded = new ArrayList<>();
      for (Credentials account : keys.subList(1, keys.size())) {
        token.transfer(owner, account.getAddress(), cnxEach);
        funded.add(
            new Deployment.DevAccount(
                account.getAddress(),
                Numeric.toHexStringWithPrefixZeroPadded(
                    account.getEcKeyPair().getPrivateKey(), 64)));
      }
      Deployment deployment =
          new Deployment(
              deployed.rpcUrl(),
              deployed.chainId(),
              deployed.token(),
              deployed.node(),
              deployed.task(),
              deployed.owner(),
              deployed.deployedAtBlock(),
              funded);
      if (deploymentFile != null) {
        deployment.write(deploymentFile);
      }
      return new DevChain(node, chain, deployment);
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
  }

  public Deployment deployment() {
    return deployment;
  }

  public Chain chain() {
    return chain;
  }

  public HardhatNode node() {
    return node;
  }

  @Override
  public void close() {
    chain.close();
    node.close();
  }
}

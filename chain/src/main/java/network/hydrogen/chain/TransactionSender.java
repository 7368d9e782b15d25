package network.hydrogen.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Sends transactions from one wallet: estimates gas (a revert is reported before anything is
 * signed), hands out nonces locally so several threads can send at once, signs, sends with retries,
 * and waits for the receipt with a timeout. Obtain one with {@link Chain#sender}.
 */
public final class TransactionSender {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionSender.class);

  private final Chain chain;
  private final Credentials credentials;
  private BigInteger nextNonce; // guarded by this; null: read from the chain on next use

  TransactionSender(Chain chain, Credentials credentials) {
    this.chain = chain;
    this.credentials = credentials;
  }

  public String address() {
    return credentials.getAddress();
  }

  public Chain chain() {
    return chain;
  }

  /** Calls a contract function in a transaction and waits until it is mined. */
  public Receipt send(String contract, Function function) {
    return send(contract, function, BigInteger.ZERO);
  }

  /**
   * As {@link #send(String, Function)}, with at least {@code gasFloor} gas: for calls whose cost
   * depends on transactions that may be mined between the estimate and this one.
   */
  public Receipt send(String contract, Function function, BigInteger gasFloor) {
    return send(
        contract, FunctionEncoder.encode(function), BigInteger.ZERO, function.getName(), gasFloor);
  }

  /** Sends ether (wei) to an address. */
  public Receipt sendEther(String to, BigInteger wei) {
    return send(to, "0x", wei, "ether transfer", BigInteger.ZERO);
  }

  /** Deploys a contract from its creation bytecode (with encoded constructor arguments). */
  public Receipt deploy(String bytecodeWithArguments, String what) {
    return send(null, bytecodeWithArguments, BigInteger.ZERO, "deploy " + what, BigInteger.ZERO);
  }

  private Receipt send(String to, String data, BigInteger value, String what, BigInteger gasFloor) {
    BigInteger gasLimit = estimateGas(to, data, value, what).max(gasFloor);
    BigInteger gasPrice = chain.rpc(chain.web3j().ethGasPrice(), "eth_gasPrice").getGasPrice();
    String hash;
    // Nonces are handed out and submitted in order (a node may refuse a nonce gap, as Hardhat does
    // when automining); only the wait for the receipt runs concurrently.
    synchronized (this) {
      BigInteger nonce = takeNonce();
      RawTransaction tx =
          to == null
              ? RawTransaction.createContractTransaction(nonce, gasPrice, gasLimit, value, data)
              : RawTransaction.createTransaction(nonce, gasPrice, gasLimit, to, value, data);
      String signed =
          Numeric.toHexString(TransactionEncoder.signMessage(tx, chain.chainId(), credentials));
      try {
        hash = sendRaw(signed, what);
      } catch (ChainException e) {
        nextNonce = null; // read it again from the chain: this nonce was not used
        throw e;
      }
    }
    return waitForReceipt(
        hash, what, new Transaction(address(), null, null, null, to, value, data));
  }

  private BigInteger estimateGas(String to, String data, BigInteger value, String what) {
    Transaction call = new Transaction(address(), null, null, null, to, value, data);
    var estimate = chain.rpc(chain.web3j().ethEstimateGas(call), what);
    BigInteger gas = estimate.getAmountUsed();
    // Random node selection makes the gas of createTask vary between estimation and mining.
    return gas.multiply(BigInteger.valueOf(13))
        .divide(BigInteger.TEN)
        .add(BigInteger.valueOf(20_000));
  }

  private String sendRaw(String signed, String what) {
    ChainException last = null;
    for (int attempt = 0; attempt <= chain.options().sendRetries(); attempt++) {
      if (attempt > 0) {
        sleep(chain.options().pollInterval().multipliedBy(1L << attempt));
      }
      EthSendTransaction response;
      try {
        response = chain.web3j().ethSendRawTransaction(signed).send();
      } catch (IOException e) {
        last = new ChainException(what + ": sending failed: " + e.getMessage(), e);
        LOG.warn("{}: sending failed (attempt {}), retrying: {}", what, attempt + 1, e.toString());
        continue;
      }
      if (!response.hasError()) {
        return response.getTransactionHash();
      }
      String message = response.getError().getMessage().toLowerCase(Locale.ROOT);
      if (attempt > 0
          && (message.contains("already known") || message.contains("known transaction"))) {
        // An earlier attempt did reach the node.
        return org.web3j.crypto.Hash.sha3(signed);
      }
      throw new ChainException(what + " rejected: " + Chain.describe(response.getError()));
    }
    throw last;
  }

  private Receipt waitForReceipt(String hash, String what, Transaction call) {
    long deadline = System.nanoTime() + chain.options().receiptTimeout().toNanos();
    while (true) {
      Optional<TransactionReceipt> receipt;
      try {
        receipt = chain.web3j().ethGetTransactionReceipt(hash).send().getTransactionReceipt();
      } catch (IOException e) {
        LOG.warn("{}: reading the receipt of {} failed, retrying: {}", what, hash, e.toString());
        receipt = Optional.empty();
      }
      if (receipt.isPresent()) {
        TransactionReceipt r = receipt.get();
        if (!r.isStatusOK()) {
          throw new ChainException(
              what
                  + " reverted in block "
                  + r.getBlockNumber()
                  + " (transaction "
                  + hash
                  + "): "
                  + revertReason(call, r.getBlockNumber()));
        }
        return new Receipt(
            hash,
            r.getBlockNumber().longValueExact(),
            r.getGasUsed(),
            r.getContractAddress(),
            r.getLogs());
      }
      if (System.nanoTime() > deadline) {
        throw new ChainException(
            what
                + ": transaction "
                + hash
                + " not mined within "
                + chain.options().receiptTimeout());
      }
      sleep(chain.options().pollInterval());
    }
  }

  /**
   * Why a mined transaction reverted, found by replaying it as a call on the state its block left
   * (it passed gas estimation, so another transaction mined first changed what it relied on).
   */
  String revertReason(Transaction call, BigInteger block) {
    try {
      var replay = chain.web3j().ethCall(call, DefaultBlockParameter.valueOf(block)).send();
      if (replay.hasError()) {
        return Chain.describe(replay.getError());
      }
      if (replay.isReverted()) {
        return replay.getRevertReason();
      }
    } catch (IOException e) {
      LOG.debug("replaying a reverted transaction failed", e);
    }
    return "no reason given (out of gas, or a state change within its block)";
  }

  private BigInteger takeNonce() {
    if (nextNonce == null) {
      nextNonce =
          chain
              .rpc(
                  chain
                      .web3j()
                      .ethGetTransactionCount(address(), DefaultBlockParameterName.PENDING),
                  "eth_getTransactionCount")
              .getTransactionCount();
    }
    BigInteger nonce = nextNonce;
    nextNonce = nextNonce.add(BigInteger.ONE);
    return nonce;
  }

  private static void sleep(java.time.Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChainException("interrupted while waiting for the chain", e);
    }
  }
}

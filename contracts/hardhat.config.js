// The local development chain: a Hardhat node. Contracts are compiled by compile.js (solc from npm),
// not by Hardhat, so this file only configures the in-process EVM. Accounts derive from Hardhat's
// default test mnemonic; HYDROGEN_DEV_ACCOUNTS sets how many.
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      mining: { auto: true },
      accounts: { count: Number(process.env.HYDROGEN_DEV_ACCOUNTS || 40), accountsBalance: "1000000000000000000000000" },
      blockGasLimit: 30000000,
    },
  },
};

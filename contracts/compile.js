// Compiles src/*.sol with solc from npm into one JSON file per contract ({abi, bytecode}) in the
// folder given as the first argument. Run by the Maven build; nothing stale is ever reused.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const out = process.argv[2];
if (!out) {
  console.error("usage: node compile.js OUTPUT_DIR");
  process.exit(2);
}
const srcDir = path.join(__dirname, "src");
const sources = {};
for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol"))) {
  sources[f] = { content: fs.readFileSync(path.join(srcDir, f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    viaIR: true,
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
function findImports(p) {
  try {
    return { contents: fs.readFileSync(require.resolve(p, { paths: [__dirname] }), "utf8") };
  } catch (e) {
    return { error: "not found: " + p };
  }
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
fs.mkdirSync(out, { recursive: true });
for (const file of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    const artifact = { contractName: name, compiler: solc.version(), abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    fs.writeFileSync(path.join(out, name + ".json"), JSON.stringify(artifact, null, 1));
  }
}
console.log("compiled " + Object.keys(sources).join(", ") + " with solc " + solc.version() + " into " + out);

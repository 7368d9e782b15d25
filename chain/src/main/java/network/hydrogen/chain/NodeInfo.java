package network.hydrogen.chain;

import java.math.BigInteger;

/** A node as the Node contract records it. */
public record NodeInfo(NodeStatus status, long vram, BigInteger stake, String gpuName) {}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Node} from "./Node.sol";

/// @title Tasks: three random nodes run each task, commit, disclose; two that agree are paid.
/// @notice A result is the concatenation of the 8-byte perceptual hashes of a task's images (a
/// multiple of 8 bytes), or a single non-zero byte: an error code (an error is settled like a
/// result). Two results agree when every image pair is within `distanceThreshold` bits.
contract Task is Ownable {
    using SafeERC20 for IERC20;

    uint256 public constant NODES_PER_TASK = 3;

    enum Status {
        NONE,
        COMMITTING,
        DISCLOSING,
        SUCCESS,
        ABORTED
    }

    /// Where a selected node stands in one task.
    enum Part {
        SELECTED,
        COMMITTED,
        DISCLOSED,
        SETTLED
    }

    /// How a node's part ended.
    enum Outcome {
        PAID,
        FREED,
        SLASHED,
        PENALISED
    }

    /// Why a task was aborted; the bridge shows these in words.
    enum AbortReason {
        RESULTS_DISAGREE,
        TASK_ERROR,
        COMMIT_TIMEOUT,
        DISCLOSE_TIMEOUT
    }

    /// The task hash, data hash and VRAM live only in the TaskCreated events: storing them would
    /// cost three more storage slots per task for values no later step reads.
    struct Info {
        address creator;
        Status status;
        uint8 resultIndex; // index in nodes of the result node, valid in SUCCESS
        bool uploaded;
        uint64 deadline; // of the current stage; shares the first slot with the fields above
        uint256 feePerNode;
        address[3] nodes;
        bytes32[3] commitments;
        Part[3] parts;
        bytes[3] results;
    }

    IERC20 public immutable token;
    Node public immutable nodeRegistry;

    uint256 public feePerNode = 10 ether;
    uint8 public distanceThreshold = 12;
    uint64 public commitTimeout = 10 minutes;
    uint64 public discloseTimeout = 5 minutes;
    uint64 public uploadTimeout = 10 minutes;
    uint256 public timeoutPenalty = 40 ether;
    uint256 public taskCount;

    mapping(uint256 => Info) private tasks;
    mapping(bytes32 => bool) public commitmentUsed;
    mapping(bytes32 => bool) public nonceUsed;

    event TaskCreated(
        uint256 indexed taskId,
        address indexed creator,
        address indexed node,
        bytes32 taskHash,
        bytes32 dataHash,
        uint256 round
    );
    event TaskResultCommitted(uint256 indexed taskId, address indexed node);
    event TaskResultCommitmentsReady(uint256 indexed taskId);
    event TaskResultDisclosed(uint256 indexed taskId, address indexed node, bytes result);
    event TaskSuccess(uint256 indexed taskId, bytes result, address indexed resultNode);
    event TaskAborted(uint256 indexed taskId, AbortReason reason);
    event TaskNodeSettled(uint256 indexed taskId, address indexed node, Outcome outcome, uint256 amount);
    event TaskResultUploaded(uint256 indexed taskId, address indexed resultNode);
    event FeeRefunded(uint256 indexed taskId, address indexed creator, uint256 amount);
    event ParametersChanged(
        uint256 feePerNode,
        uint8 distanceThreshold,
        uint64 commitTimeout,
        uint64 discloseTimeout,
        uint64 uploadTimeout,
        uint256 timeoutPenalty
    );

    error UnknownTask(uint256 taskId);
    error WrongTaskStatus(uint256 taskId, Status status);
    error NotSelected(uint256 taskId, address caller);
    error WrongPart(uint256 taskId, address node, Part part);
    error CommitmentReused(bytes32 commitment);
    error NonceReused(bytes32 nonce);
    error CommitmentMismatch(uint256 taskId, address node);
    error MalformedResult(uint256 length);
    error DeadlineNotReached(uint256 taskId, uint64 deadline);
    error DeadlinePassed(uint256 taskId, uint64 deadline);

    constructor(IERC20 token_, Node nodeRegistry_) Ownable(msg.sender) {
        token = token_;
        nodeRegistry = nodeRegistry_;
    }

    function setParameters(
        uint256 feePerNode_,
        uint8 distanceThreshold_,
        uint64 commitTimeout_,
        uint64 discloseTimeout_,
        uint64 uploadTimeout_,
        uint256 timeoutPenalty_
    ) external onlyOwner {
        require(distanceThreshold_ <= 64, "threshold above 64 bits");
        require(commitTimeout_ > 0 && discloseTimeout_ > 0 && uploadTimeout_ > 0, "zero timeout");
        feePerNode = feePerNode_;
        distanceThreshold = distanceThreshold_;
        commitTimeout = commitTimeout_;
        discloseTimeout = discloseTimeout_;
        uploadTimeout = uploadTimeout_;
        timeoutPenalty = timeoutPenalty_;
        emit ParametersChanged(
            feePerNode_, distanceThreshold_, commitTimeout_, discloseTimeout_, uploadTimeout_, timeoutPenalty_
        );
    }

    /// Takes 3 x feePerNode by allowance and assigns the task to three random available nodes with
    /// at least `vram`. Reverts with Node.NotEnoughNodes when there are too few.
    function createTask(bytes32 taskHash, bytes32 dataHash, uint64 vram) external returns (uint256 taskId) {
        uint256 fee = feePerNode;
        token.safeTransferFrom(msg.sender, address(this), fee * NODES_PER_TASK);
        taskId = ++taskCount;
        // prevrandao is the beacon chain's RANDAO mix on PoS chains; see docs/protocol.md for what
        // a block producer can bias. The task id and creator make seeds in one block distinct.
        uint256 seed = uint256(keccak256(abi.encode(block.prevrandao, blockhash(block.number - 1), taskId, msg.sender)));
        address[] memory chosen = nodeRegistry.selectNodes(seed, vram, NODES_PER_TASK);
        Info storage t = tasks[taskId];
        t.creator = msg.sender;
        t.status = Status.COMMITTING;
        t.deadline = uint64(block.timestamp) + commitTimeout;
        t.feePerNode = fee;
        for (uint256 i = 0; i < NODES_PER_TASK; i++) {
            t.nodes[i] = chosen[i];
            emit TaskCreated(taskId, msg.sender, chosen[i], taskHash, dataHash, i);
        }
    }

    /// Commits keccak256(abi.encodePacked(result, nonce)); every commitment is new.
    function commit(uint256 taskId, bytes32 commitment) external {
        Info storage t = _task(taskId, Status.COMMITTING);
        uint256 i = _partOf(t, taskId, msg.sender, Part.SELECTED);
        if (block.timestamp > t.deadline) revert DeadlinePassed(taskId, t.deadline);
        if (commitmentUsed[commitment]) revert CommitmentReused(commitment);
        commitmentUsed[commitment] = true;
        t.commitments[i] = commitment;
        t.parts[i] = Part.COMMITTED;
        emit TaskResultCommitted(taskId, msg.sender);
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.parts[j] != Part.COMMITTED) return;
        }
        t.status = Status.DISCLOSING;
        t.deadline = uint64(block.timestamp) + discloseTimeout;
        emit TaskResultCommitmentsReady(taskId);
    }

    /// Discloses the committed result. Settles the task as soon as two results agree, and settles a
    /// late third node against the agreed result.
    function disclose(uint256 taskId, bytes calldata result, bytes32 nonce) external {
        Info storage t = tasks[taskId];
        if (t.status != Status.DISCLOSING && t.status != Status.SUCCESS) revert WrongTaskStatus(taskId, t.status);
        uint256 i = _partOf(t, taskId, msg.sender, Part.COMMITTED);
        if (block.timestamp > t.deadline) revert DeadlinePassed(taskId, t.deadline);
        if (!(result.length == 1 && result[0] != 0) && (result.length == 0 || result.length % 8 != 0)) {
            revert MalformedResult(result.length);
        }
        if (nonceUsed[nonce]) revert NonceReused(nonce);
        if (keccak256(abi.encodePacked(result, nonce)) != t.commitments[i]) revert CommitmentMismatch(taskId, msg.sender);
        nonceUsed[nonce] = true;
        t.results[i] = result;
        t.parts[i] = Part.DISCLOSED;
        emit TaskResultDisclosed(taskId, msg.sender, result);

        if (t.status == Status.SUCCESS) {
            _settleAgainstResult(t, taskId, i);
            return;
        }
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (j == i || t.parts[j] != Part.DISCLOSED) continue;
            if (agree(t.results[j], result)) {
                _agreed(t, taskId, j, i);
                return;
            }
        }
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.parts[j] != Part.DISCLOSED) return;
        }
        _abort(t, taskId, AbortReason.RESULTS_DISAGREE);
    }

    /// The result node reports that it uploaded the images; it is paid and freed.
    function reportUploaded(uint256 taskId) external {
        Info storage t = _task(taskId, Status.SUCCESS);
        uint256 r = t.resultIndex;
        if (t.nodes[r] != msg.sender || t.uploaded) revert NotSelected(taskId, msg.sender);
        if (block.timestamp > t.deadline) revert DeadlinePassed(taskId, t.deadline);
        t.uploaded = true;
        emit TaskResultUploaded(taskId, msg.sender);
        _pay(t, taskId, r);
    }

    /// After the current stage's deadline, anyone (the creator, a node) ends the waiting: silent
    /// nodes are penalised and removed, the others freed, unearned fees refunded to the creator.
    function timeout(uint256 taskId) external {
        Info storage t = tasks[taskId];
        Status s = t.status;
        if (s == Status.NONE) revert UnknownTask(taskId);
        if (s == Status.ABORTED || (s == Status.SUCCESS && _allSettled(t))) revert WrongTaskStatus(taskId, s);
        if (block.timestamp <= t.deadline) revert DeadlineNotReached(taskId, t.deadline);
        if (s == Status.COMMITTING || s == Status.DISCLOSING) {
            Part silent = s == Status.COMMITTING ? Part.SELECTED : Part.COMMITTED;
            for (uint256 j = 0; j < NODES_PER_TASK; j++) {
                if (t.parts[j] == silent) _penalise(t, taskId, j);
            }
            _abort(t, taskId, s == Status.COMMITTING ? AbortReason.COMMIT_TIMEOUT : AbortReason.DISCLOSE_TIMEOUT);
            return;
        }
        // SUCCESS: a third node that never disclosed, and a result node that never uploaded.
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.parts[j] == Part.COMMITTED) _penalise(t, taskId, j);
        }
        uint256 r = t.resultIndex;
        if (!t.uploaded && t.parts[r] != Part.SETTLED) {
            _penalise(t, taskId, r);
        }
    }

    /// True when every 8-byte image hash of `a` is within `distanceThreshold` bits of the same
    /// image's hash in `b`; error codes agree only when equal.
    function agree(bytes memory a, bytes memory b) public view returns (bool) {
        if (a.length != b.length) return false;
        if (a.length == 1) return a[0] == b[0];
        uint256 threshold = distanceThreshold;
        for (uint256 off = 0; off < a.length; off += 8) {
            uint64 x;
            uint64 y;
            assembly {
                x := shr(192, mload(add(add(a, 32), off)))
                y := shr(192, mload(add(add(b, 32), off)))
            }
            if (popcount(x ^ y) > threshold) return false;
        }
        return true;
    }

    function popcount(uint64 v) public pure returns (uint256) {
        unchecked {
            v = v - ((v >> 1) & 0x5555555555555555);
            v = (v & 0x3333333333333333) + ((v >> 2) & 0x3333333333333333);
            v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return uint256((v * 0x0101010101010101) >> 56);
        }
    }

    /// The task's state: creator, status, result node index, uploaded, stage deadline, fee per
    /// node, selected nodes and their parts.
    function taskState(uint256 taskId)
        external
        view
        returns (
            address creator,
            Status status,
            uint8 resultIndex,
            bool uploaded,
            uint64 deadline,
            uint256 fee,
            address[3] memory selected,
            Part[3] memory parts
        )
    {
        Info storage t = tasks[taskId];
        return (t.creator, t.status, t.resultIndex, t.uploaded, t.deadline, t.feePerNode, t.nodes, t.parts);
    }

    /// The result disclosed by the i-th selected node (empty before it disclosed).
    function resultOf(uint256 taskId, uint256 i) external view returns (bytes memory) {
        return tasks[taskId].results[i];
    }

    function _agreed(Info storage t, uint256 taskId, uint256 first, uint256 second) private {
        bytes memory result = t.results[first];
        if (result.length == 1) {
            // Two nodes report the same error: the task was bad, not the nodes.
            _abort(t, taskId, AbortReason.TASK_ERROR);
            return;
        }
        t.status = Status.SUCCESS;
        t.resultIndex = uint8(first);
        t.deadline = uint64(block.timestamp) + uploadTimeout;
        emit TaskSuccess(taskId, result, t.nodes[first]);
        _pay(t, taskId, second);
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (j != first && j != second && t.parts[j] == Part.DISCLOSED) _settleAgainstResult(t, taskId, j);
        }
    }

    function _settleAgainstResult(Info storage t, uint256 taskId, uint256 i) private {
        if (agree(t.results[t.resultIndex], t.results[i])) {
            _pay(t, taskId, i);
            return;
        }
        if (t.results[i].length == 1) {
            // A lone error report (say, a model download that failed on this node) earns nothing
            // and costs nothing: only a wrong image result is slashed.
            _free(t, taskId, i);
        } else {
            _slash(t, taskId, i);
        }
        token.safeTransfer(t.creator, t.feePerNode);
        emit FeeRefunded(taskId, t.creator, t.feePerNode);
    }

    /// Aborts: frees every unsettled node (silent ones were penalised by the caller) and refunds
    /// the whole fee; nothing was paid before an abort.
    function _abort(Info storage t, uint256 taskId, AbortReason reason) private {
        t.status = Status.ABORTED;
        emit TaskAborted(taskId, reason);
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.parts[j] != Part.SETTLED) _free(t, taskId, j);
        }
        uint256 refund = t.feePerNode * NODES_PER_TASK;
        token.safeTransfer(t.creator, refund);
        emit FeeRefunded(taskId, t.creator, refund);
    }

    function _free(Info storage t, uint256 taskId, uint256 i) private {
        t.parts[i] = Part.SETTLED;
        nodeRegistry.release(t.nodes[i]);
        emit TaskNodeSettled(taskId, t.nodes[i], Outcome.FREED, 0);
    }

    function _pay(Info storage t, uint256 taskId, uint256 i) private {
        if (i == t.resultIndex && !t.uploaded) {
            // The result node is paid when it reports the upload; it stays busy until then.
            return;
        }
        t.parts[i] = Part.SETTLED;
        address node = t.nodes[i];
        nodeRegistry.release(node);
        token.safeTransfer(node, t.feePerNode);
        emit TaskNodeSettled(taskId, node, Outcome.PAID, t.feePerNode);
    }

    function _slash(Info storage t, uint256 taskId, uint256 i) private {
        t.parts[i] = Part.SETTLED;
        address node = t.nodes[i];
        nodeRegistry.slash(node);
        emit TaskNodeSettled(taskId, node, Outcome.SLASHED, 0);
    }

    function _penalise(Info storage t, uint256 taskId, uint256 i) private {
        t.parts[i] = Part.SETTLED;
        address node = t.nodes[i];
        nodeRegistry.penalise(node, timeoutPenalty);
        emit TaskNodeSettled(taskId, node, Outcome.PENALISED, 0);
        if (t.status == Status.SUCCESS) {
            token.safeTransfer(t.creator, t.feePerNode);
            emit FeeRefunded(taskId, t.creator, t.feePerNode);
        }
    }

    function _allSettled(Info storage t) private view returns (bool) {
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.parts[j] != Part.SETTLED) return false;
        }
        return true;
    }

    function _task(uint256 taskId, Status expected) private view returns (Info storage t) {
        t = tasks[taskId];
        if (t.status == Status.NONE) revert UnknownTask(taskId);
        if (t.status != expected) revert WrongTaskStatus(taskId, t.status);
    }

    function _partOf(Info storage t, uint256 taskId, address node, Part expected) private view returns (uint256) {
        for (uint256 j = 0; j < NODES_PER_TASK; j++) {
            if (t.nodes[j] == node) {
                if (t.parts[j] != expected) revert WrongPart(taskId, node, t.parts[j]);
                return j;
            }
        }
        revert NotSelected(taskId, node);
    }
}

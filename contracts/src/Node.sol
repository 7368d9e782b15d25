// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title The registry of nodes: stakes, GPU declarations and availability.
/// @notice A node joins with a stake and its GPU; the Task contract (set once by the owner) selects
/// available nodes, marks them busy, frees, slashes or penalises them. Pause and quit requested
/// while busy take effect when the task ends.
contract Node is Ownable {
    using SafeERC20 for IERC20;

    enum Status {
        QUIT,
        AVAILABLE,
        BUSY,
        PENDING_PAUSE,
        PENDING_QUIT,
        PAUSED
    }

    struct Info {
        Status status;
        uint64 vram;
        uint256 stake;
        string gpuName;
    }

    IERC20 public immutable token;
    uint256 public stakeAmount = 400 ether;
    address public taskContract;
    address public treasury;

    mapping(address => Info) private nodes;
    address[] private available;
    mapping(address => uint256) private availablePosition; // index + 1; 0 means not listed

    event NodeJoined(address indexed node, string gpuName, uint64 vram, uint256 stake);
    event NodeStatusChanged(address indexed node, Status from, Status to);
    event NodeQuit(address indexed node, uint256 stakeReturned);
    event NodeSlashed(address indexed node, uint256 amount);
    event NodePenalised(address indexed node, uint256 penalty, uint256 stakeReturned);
    event StakeAmountChanged(uint256 amount);
    event TaskContractChanged(address taskContract);
    event TreasuryChanged(address treasury);

    error NotTaskContract(address caller);
    error WrongStatus(address node, Status status);
    error NotEnoughNodes(uint256 eligible, uint256 wanted);

    modifier onlyTask() {
        if (msg.sender != taskContract) revert NotTaskContract(msg.sender);
        _;
    }

    constructor(IERC20 token_) Ownable(msg.sender) {
        token = token_;
        treasury = msg.sender;
    }

    function setStakeAmount(uint256 amount) external onlyOwner {
        require(amount > 0, "stake amount is zero");
        stakeAmount = amount;
        emit StakeAmountChanged(amount);
    }

    function setTaskContract(address task) external onlyOwner {
        taskContract = task;
        emit TaskContractChanged(task);
    }

    function setTreasury(address treasury_) external onlyOwner {
        require(treasury_ != address(0), "treasury is the zero address");
        treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// Joins with `stakeAmount` CNX taken by allowance.
    function join(string calldata gpuName, uint64 vram) external {
        Info storage n = nodes[msg.sender];
        if (n.status != Status.QUIT) revert WrongStatus(msg.sender, n.status);
        require(bytes(gpuName).length > 0 && bytes(gpuName).length <= 64, "gpu name must be 1 to 64 bytes");
        require(vram > 0, "vram is zero");
        uint256 amount = stakeAmount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        n.stake = amount;
        n.vram = vram;
        n.gpuName = gpuName;
        emit NodeJoined(msg.sender, gpuName, vram, amount);
        _setStatus(msg.sender, Status.AVAILABLE);
    }

    function pause() external {
        Status s = nodes[msg.sender].status;
        if (s == Status.AVAILABLE) _setStatus(msg.sender, Status.PAUSED);
        else if (s == Status.BUSY) _setStatus(msg.sender, Status.PENDING_PAUSE);
        else revert WrongStatus(msg.sender, s);
    }

    function resume() external {
        Status s = nodes[msg.sender].status;
        if (s == Status.PAUSED) _setStatus(msg.sender, Status.AVAILABLE);
        else if (s == Status.PENDING_PAUSE || s == Status.PENDING_QUIT) _setStatus(msg.sender, Status.BUSY);
        else revert WrongStatus(msg.sender, s);
    }

    function quit() external {
        Status s = nodes[msg.sender].status;
        if (s == Status.AVAILABLE || s == Status.PAUSED) _quit(msg.sender);
        else if (s == Status.BUSY || s == Status.PENDING_PAUSE) _setStatus(msg.sender, Status.PENDING_QUIT);
        else revert WrongStatus(msg.sender, s);
    }

    function statusOf(address node) external view returns (Status) {
        return nodes[node].status;
    }

    function infoOf(address node)
        external
        view
        returns (Status status, uint64 vram, uint256 stake, string memory gpuName)
    {
        Info storage n = nodes[node];
        return (n.status, n.vram, n.stake, n.gpuName);
    }

    function availableCount() external view returns (uint256) {
        return available.length;
    }

    /// Picks `count` distinct available nodes with at least `minVram`, uniformly at random from
    /// `seed`, and marks them busy. Rejection sampling first (cheap when most nodes qualify), then
    /// a scan of the eligible ones.
    function selectNodes(uint256 seed, uint64 minVram, uint256 count)
        external
        onlyTask
        returns (address[] memory chosen)
    {
        chosen = new address[](count);
        uint256 found;
        uint256 n = available.length;
        if (n < count) revert NotEnoughNodes(n, count);
        for (uint256 attempt = 0; attempt < 4 * count && found < count; attempt++) {
            seed = uint256(keccak256(abi.encode(seed)));
            address candidate = available[seed % n];
            if (nodes[candidate].vram < minVram) continue;
            // Chosen nodes leave `available` at once, so a candidate is never picked twice.
            _take(chosen, found++, candidate);
            n--;
        }
        if (found < count) {
            address[] memory eligible = new address[](n);
            uint256 e;
            for (uint256 i = 0; i < n; i++) {
                if (nodes[available[i]].vram >= minVram) eligible[e++] = available[i];
            }
            if (e < count - found) revert NotEnoughNodes(e + found, count);
            while (found < count) {
                seed = uint256(keccak256(abi.encode(seed)));
                uint256 k = seed % e;
                _take(chosen, found++, eligible[k]);
                eligible[k] = eligible[--e];
            }
        }
    }

    /// Ends a node's part in a task: pending pause/quit take effect now.
    function release(address node) external onlyTask {
        Status s = nodes[node].status;
        if (s == Status.BUSY) _setStatus(node, Status.AVAILABLE);
        else if (s == Status.PENDING_PAUSE) _setStatus(node, Status.PAUSED);
        else if (s == Status.PENDING_QUIT) _quit(node);
        else revert WrongStatus(node, s);
    }

    /// Confiscates the whole stake (to the treasury) and removes the node.
    function slash(address node) external onlyTask {
        Info storage n = nodes[node];
        uint256 amount = n.stake;
        n.stake = 0;
        _setStatus(node, Status.QUIT);
        token.safeTransfer(treasury, amount);
        emit NodeSlashed(node, amount);
    }

    /// Takes `penalty` (at most the stake) to the treasury, returns the rest and removes the node:
    /// for silent nodes, so a dead node stops being selected.
    function penalise(address node, uint256 penalty) external onlyTask {
        Info storage n = nodes[node];
        uint256 stake = n.stake;
        if (penalty > stake) penalty = stake;
        n.stake = 0;
        _setStatus(node, Status.QUIT);
        if (penalty > 0) token.safeTransfer(treasury, penalty);
        if (stake > penalty) token.safeTransfer(node, stake - penalty);
        emit NodePenalised(node, penalty, stake - penalty);
    }

    function _take(address[] memory chosen, uint256 index, address node) private {
        chosen[index] = node;
        _setStatus(node, Status.BUSY);
    }

    function _quit(address node) private {
        Info storage n = nodes[node];
        uint256 amount = n.stake;
        n.stake = 0;
        _setStatus(node, Status.QUIT);
        token.safeTransfer(node, amount);
        emit NodeQuit(node, amount);
    }

    function _setStatus(address node, Status to) private {
        Info storage n = nodes[node];
        Status from = n.status;
        n.status = to;
        if (to == Status.AVAILABLE) {
            available.push(node);
            availablePosition[node] = available.length;
        } else if (from == Status.AVAILABLE) {
            uint256 pos = availablePosition[node];
            address last = available[available.length - 1];
            available[pos - 1] = last;
            availablePosition[last] = pos;
            available.pop();
            availablePosition[node] = 0;
        }
        emit NodeStatusChanged(node, from, to);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title CNX, the token tasks are paid in and nodes stake.
/// @notice A plain ERC20 with 18 decimals; the whole supply is minted once to `holder`.
contract Token is ERC20 {
    constructor(uint256 initialSupply, address holder) ERC20("Hydrogen CNX", "CNX") {
        _mint(holder, initialSupply);
    }
}

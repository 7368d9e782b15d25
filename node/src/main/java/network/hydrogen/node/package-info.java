/**
 * The node daemon: it joins the network by staking, waits for the tasks the Task contract assigns
 * it, runs them with the engine, commits and discloses the results, and uploads the images when it
 * is the result node. {@link network.hydrogen.node.NodeControl} is what the WebUI and the headless
 * runner see of it.
 */
package network.hydrogen.node;

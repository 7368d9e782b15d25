/**
 * Compel prompt weighting and long prompts for SD 1.x/2.x and SDXL (each SDXL encoder on its own):
 * {@link network.hydrogen.engine.prompt.PromptConditioning} turns a prompt parsed by the task
 * module's {@code PromptParser} into the text encoder conditioning compel 2.4 computes.
 */
package network.hydrogen.engine.prompt;

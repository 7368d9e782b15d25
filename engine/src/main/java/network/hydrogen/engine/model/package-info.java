/**
 * Model loading: Stable Diffusion models from the files users have, with every network's weights by
 * diffusers parameter names whatever the file layout.
 *
 * <p>{@link network.hydrogen.engine.model.ModelFiles} opens a diffusers folder or a single-file
 * {@code .safetensors} checkpoint (SD 1.x, SD 2.x, SDXL base and refiner) into a {@link
 * network.hydrogen.engine.model.StableDiffusionModel}: typed configs ({@link
 * network.hydrogen.engine.model.UNetConfig}, {@link network.hydrogen.engine.model.ClipTextConfig},
 * {@link network.hydrogen.engine.model.VaeConfig}), a {@link
 * network.hydrogen.engine.model.WeightSource} per network, the scheduler config and the tokenizer
 * files. Which parameters a config requires, and where an original-format checkpoint keeps each,
 * follows from the config's block structure ({@link
 * network.hydrogen.engine.model.ParameterLayout}); every weight is checked against it at load time,
 * and the graph builders take every weight's name and shape from it. Weights stay in memory-mapped
 * files; pickle files are refused.
 */
package network.hydrogen.engine.model;

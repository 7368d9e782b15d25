/**
 * The Stable Diffusion safety checker, as diffusers runs it when a task sets {@code
 * safety_checker}: the images' CLIP embeddings are compared with the checker's concept embeddings
 * and flagged images are blacked out.
 */
package network.hydrogen.engine.safety;

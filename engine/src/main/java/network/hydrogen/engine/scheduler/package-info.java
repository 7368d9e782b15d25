/**
 * Diffusion samplers with diffusers' math and configuration names. {@link
 * network.hydrogen.engine.scheduler.Schedulers#create} resolves a method from a model's {@code
 * scheduler_config.json} and a task's {@code scheduler.args}; {@link
 * network.hydrogen.engine.scheduler.Scheduler#start} gives the schedule and the stepper of one
 * image's denoising run. Latents are flat float arrays; the model is the caller's.
 */
package network.hydrogen.engine.scheduler;

"""Runs diffusers' schedulers on a fixed latent with a fake model and writes what they produce.

The Java schedulers (network.hydrogen.engine.scheduler) are tested against this output. Needs torch,
numpy and diffusers' source (PYTHONPATH=<diffusers checkout>/src). Run from the repository root:
    python tools/scheduler_reference.py
The fake model is model_output = 0.5 * model_input + 0.1 * sin(t / 100), applied to the output of
scale_model_input, as a UNet would be. Noise that a scheduler draws inside step() is taken, in order,
from a list written into the output, so that the Java test can hand the same draws back.
"""

import json
import math
import pathlib

import diffusers
import numpy as np
import torch
from diffusers import (
    DDIMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    LCMScheduler,
)
from diffusers.schedulers import (
    scheduling_dpmsolver_multistep,
    scheduling_euler_ancestral_discrete,
    scheduling_lcm,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = ROOT / "engine/src/test/resources/engine-reference/sd15/model/scheduler/scheduler_config.json"
OUT = ROOT / "engine/src/test/resources/scheduler-reference/runs.json"
SHAPE = (1, 4, 8, 8)

CLASSES = {
    "DPMSolverMultistepScheduler": DPMSolverMultistepScheduler,
    "EulerDiscreteScheduler": EulerDiscreteScheduler,
    "EulerAncestralDiscreteScheduler": EulerAncestralDiscreteScheduler,
    "DDIMScheduler": DDIMScheduler,
    "LCMScheduler": LCMScheduler,
}

V_ZERO_SNR = {"prediction_type": "v_prediction", "rescale_betas_zero_snr": True, "timestep_spacing": "trailing"}
CASES = [
    ("DPMSolverMultistepScheduler", {}, 6),
    ("DPMSolverMultistepScheduler", {}, 20),
    ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}, 6),
    ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}, 20),
    ("DPMSolverMultistepScheduler", {"prediction_type": "v_prediction"}, 20),
    ("DPMSolverMultistepScheduler", {"prediction_type": "sample"}, 8),
    ("DPMSolverMultistepScheduler", {"timestep_spacing": "trailing"}, 6),
    ("DPMSolverMultistepScheduler", {"timestep_spacing": "linspace"}, 10),
    ("DPMSolverMultistepScheduler", {"solver_order": 3}, 20),
    ("DPMSolverMultistepScheduler", {"solver_order": 1}, 7),
    ("DPMSolverMultistepScheduler", {"solver_type": "heun"}, 10),
    ("DPMSolverMultistepScheduler", {"solver_type": "heun", "solver_order": 3}, 16),
    ("DPMSolverMultistepScheduler", {"lower_order_final": False}, 12),
    ("DPMSolverMultistepScheduler", {"euler_at_final": True, "final_sigmas_type": "sigma_min"}, 10),
    ("DPMSolverMultistepScheduler", {"final_sigmas_type": "sigma_min"}, 10),
    ("DPMSolverMultistepScheduler", {"final_sigmas_type": "sigma_min", "solver_order": 3}, 20),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver", "final_sigmas_type": "sigma_min"}, 10),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++"}, 8),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++", "solver_order": 3}, 20),
    ("DPMSolverMultistepScheduler", {"use_lu_lambdas": True}, 10),
    ("DPMSolverMultistepScheduler", {"use_exponential_sigmas": True}, 10),
    ("DPMSolverMultistepScheduler", {"lambda_min_clipped": -5.1, "timestep_spacing": "linspace"}, 10),
    ("DPMSolverMultistepScheduler", {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}, 10),
    ("DPMSolverMultistepScheduler", {"beta_schedule": "squaredcos_cap_v2"}, 10),
    ("DPMSolverMultistepScheduler", {**V_ZERO_SNR}, 10),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++", "solver_type": "heun"}, 10),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver", "final_sigmas_type": "sigma_min"}, 10),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver", "final_sigmas_type": "sigma_min", "solver_order": 3}, 16),
    ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver", "final_sigmas_type": "sigma_min", "solver_type": "heun"}, 10),
    ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True, "timestep_spacing": "trailing"}, 25),
    ("DPMSolverMultistepScheduler", {}, 1),
    ("DPMSolverMultistepScheduler", {}, 50),
    ("EulerDiscreteScheduler", {}, 6),
    ("EulerDiscreteScheduler", {}, 20),
    ("EulerDiscreteScheduler", {"use_karras_sigmas": True}, 20),
    ("EulerDiscreteScheduler", {"use_exponential_sigmas": True}, 10),
    ("EulerDiscreteScheduler", {"prediction_type": "v_prediction"}, 10),
    ("EulerDiscreteScheduler", {"prediction_type": "sample"}, 10),
    ("EulerDiscreteScheduler", {"timestep_spacing": "trailing"}, 6),
    ("EulerDiscreteScheduler", {"timestep_spacing": "linspace"}, 10),
    ("EulerDiscreteScheduler", {"interpolation_type": "log_linear"}, 10),
    ("EulerDiscreteScheduler", {"final_sigmas_type": "sigma_min", "use_karras_sigmas": True}, 8),
    ("EulerDiscreteScheduler", {"timestep_type": "continuous", "prediction_type": "v_prediction"}, 8),
    ("EulerDiscreteScheduler", {"beta_schedule": "squaredcos_cap_v2"}, 10),
    ("EulerDiscreteScheduler", {**V_ZERO_SNR}, 10),
    ("EulerDiscreteScheduler", {"use_karras_sigmas": True, "sigma_min": 0.1, "sigma_max": 10.0}, 10),
    ("EulerDiscreteScheduler", {}, 1),
    ("EulerAncestralDiscreteScheduler", {}, 6),
    ("EulerAncestralDiscreteScheduler", {}, 20),
    ("EulerAncestralDiscreteScheduler", {"prediction_type": "v_prediction"}, 10),
    ("EulerAncestralDiscreteScheduler", {"timestep_spacing": "trailing"}, 10),
    ("EulerAncestralDiscreteScheduler", {"timestep_spacing": "linspace"}, 10),
    ("EulerAncestralDiscreteScheduler", {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}, 10),
    ("EulerAncestralDiscreteScheduler", {**V_ZERO_SNR}, 10),
    ("EulerAncestralDiscreteScheduler", {"beta_schedule": "squaredcos_cap_v2"}, 10),
    ("DDIMScheduler", {}, 6),
    ("DDIMScheduler", {}, 20),
    ("DDIMScheduler", {"prediction_type": "v_prediction"}, 10),
    ("DDIMScheduler", {"prediction_type": "sample"}, 10),
    ("DDIMScheduler", {"timestep_spacing": "trailing"}, 10),
    ("DDIMScheduler", {"timestep_spacing": "linspace"}, 10),
    ("DDIMScheduler", {"set_alpha_to_one": True}, 10),
    ("DDIMScheduler", {"clip_sample": True, "clip_sample_range": 1.5}, 10),
    ("DDIMScheduler", {**V_ZERO_SNR}, 10),
    ("DDIMScheduler", {"beta_schedule": "squaredcos_cap_v2", "timestep_spacing": "trailing"}, 10),
    ("DDIMScheduler", {}, 1),
    ("LCMScheduler", {}, 4),
    ("LCMScheduler", {}, 8),
    ("LCMScheduler", {"original_inference_steps": 100}, 6),
    ("LCMScheduler", {"prediction_type": "v_prediction"}, 4),
    ("LCMScheduler", {"set_alpha_to_one": True, "timestep_scaling": 5.0}, 4),
    ("LCMScheduler", {"clip_sample": True}, 4),
    ("LCMScheduler", {"rescale_betas_zero_snr": True, "prediction_type": "v_prediction"}, 4),
    ("LCMScheduler", {}, 1),
]


class NoiseDraws:
    """Stands in for diffusers' randn_tensor: hands out fresh float32 normal draws and records them."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.drawn = []

    def __call__(self, shape, generator=None, device=None, dtype=None, layout=None):
        noise = self.rng.standard_normal(shape).astype(np.float32)
        self.drawn.append(noise)
        return torch.from_numpy(noise.copy())


def fake_model(model_input, t):
    return model_input * 0.5 + 0.1 * math.sin(float(t) / 100.0)


def floats(tensor):
    return [float(f"{x:.9g}") for x in np.asarray(tensor, dtype=np.float32).reshape(-1)]


def run(config, method, args, steps, latent, seed):
    draws = NoiseDraws(seed)
    for module in (scheduling_dpmsolver_multistep, scheduling_euler_ancestral_discrete, scheduling_lcm):
        module.randn_tensor = draws
    scheduler = CLASSES[method].from_config(config, **args)
    scheduler.set_timesteps(steps)
    sample = torch.from_numpy(latent.copy()) * scheduler.init_noise_sigma
    first = None
    for t in scheduler.timesteps:
        model_input = scheduler.scale_model_input(sample, t)
        sample = scheduler.step(fake_model(model_input, t), t, sample).prev_sample
        if first is None:
            first = sample
    sigmas = getattr(scheduler, "sigmas", None)
    return {
        "method": method,
        "args": args,
        "steps": steps,
        "timesteps": [float(t) for t in scheduler.timesteps],
        "sigmas": floats(sigmas) if method not in ("DDIMScheduler", "LCMScheduler") else None,
        "init_noise_sigma": float(scheduler.init_noise_sigma),
        "step_noise": [floats(n) for n in draws.drawn],
        "first_sample": floats(first),
        "final_sample": floats(sample),
    }


def main():
    config = json.loads(CONFIG.read_text())
    latent = np.random.default_rng(1234).standard_normal(SHAPE).astype(np.float32)
    runs = [run(config, m, a, s, latent, seed) for seed, (m, a, s) in enumerate(CASES)]
    out = {
        "made_by": f"diffusers {diffusers.__version__}, torch {torch.__version__}, tools/scheduler_reference.py",
        "config": "engine-reference/sd15/model/scheduler/scheduler_config.json (PNDM config of SD 1.5)",
        "model": "model_output = 0.5 * scale_model_input(sample, t) + 0.1 * sin(t / 100)",
        "shape": list(SHAPE),
        "latent": floats(latent),
        "runs": runs,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {len(runs)} runs to {OUT}")


if __name__ == "__main__":
    main()

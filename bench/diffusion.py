"""Diffusion engine speed: seconds per denoising step and per video, peak memory, MFU; stock vs ours.

Builds a family's published architecture with random weights (timings do not depend
on weight values; nothing is downloaded) and times the real diffusers pipeline on the
prompt embeddings the text encoder would give (its cost is a few hundred ms once per
video and is left out). Each speed switch is measured on the same pipeline in one run:

- stock: diffusers as documented (bf16, PyTorch SDPA, conditional and unconditional
  passes one after the other)
- one line per switch: cuDNN attention, FlashAttention-3 (when installed), CFG batching,
  regional torch.compile, "ours" (all the switches that helped, together)
- SageAttention (needs sageattention>=2.1.1, which PyPI does not have: built from source)
- torchao FP8 dynamic quantisation of the transformer's linear layers (int8 weight-only on the CPU)
- a step cut short by first-block cache (the hit rate depends on real weights; the
  step time of a hit is what the cache buys per skipped step)
- no CFG: one pass per step, the cost of a step with a CFG-distilled LoRA
- VAE decode with and without tiling; our CPU post-processing (frame interpolation to
  30 fps and upscale to the output size)

s/video = steps x s/step + setup (image encode, VAE encode) + decode + post-processing,
for a 5 s clip. MFU counts the transformer's matmul and attention FLOPs per step against
989 TFLOP/s (H100 SXM dense bf16); on a CPU against the matmul rate measured in the run.
Without a GPU it runs the same code on a reduced model (2 blocks, quarter width) at a
reduced size, and says so: those numbers compare switches, they do not predict a GPU.

    python bench/diffusion.py [--model wan2.1-i2v-14b] [--resolutions 480p,720p] [--steps 3] [--switches ...]
    python bench/diffusion.py --spec '{"family": "ltx2", "weights_dir": "/models/ltx-2", "preset": "distilled-8step"}'

The second form times the served engine from real weights (any family, preset, switch, LoRA),
for the families whose full-size architecture is not rebuilt here (LTX-2, HunyuanVideo-1.5).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # a bare GPU machine has the checkout, not the package
from stillmotion.engines.diffusion.cfg_batching import batched_cfg
from stillmotion.engines.diffusion.spec import CacheOptions
from stillmotion.engines.diffusion.speed import cache_config, compile_denoiser, quantize
from stillmotion.media.interpolate import retime, source_positions
from stillmotion.media.upscale import upscale

H100_BF16_PEAK = 989e12  # dense bf16 FLOP/s, H100 SXM datasheet
DISTILLED_STEPS = 4  # LightX2V-style step-and-CFG distilled LoRAs
OUTPUT_SIZE = {"480p": (1280, 720), "720p": (1280, 720)}  # the API's 720p 16:9 frame
OUTPUT_FPS, DURATION = 30, 5


@dataclasses.dataclass(frozen=True)
class Model:
    """A published checkpoint's architecture, as in its transformer/vae config.json."""

    family: str
    transformer: dict[str, Any]
    vae: dict[str, Any]
    sizes: dict[str, tuple[int, int]]
    frames: int
    fps: int
    steps: int
    text_tokens: int
    image_tokens: int = 0
    """CLIP tokens the Wan2.1 I2V transformer cross-attends to (257 for ViT-H/14 at 224 px)."""


MODELS = {
    # Wan-AI/Wan2.1-I2V-14B-480P-Diffusers (and -720P: same architecture); official I2V recipe: 40 steps.
    "wan2.1-i2v-14b": Model(
        family="wan",
        transformer={"image_dim": 1280, "added_kv_proj_dim": 5120, "attention_head_dim": 128, "cross_attn_norm": True,
                     "eps": 1e-6, "ffn_dim": 13824, "freq_dim": 256, "in_channels": 36, "num_attention_heads": 40,
                     "num_layers": 40, "out_channels": 16, "patch_size": [1, 2, 2],
                     "qk_norm": "rms_norm_across_heads", "text_dim": 4096},
        vae={},  # AutoencoderKLWan's defaults are the Wan2.1 VAE
        sizes={"480p": (832, 480), "720p": (1280, 720)},
        frames=81, fps=16, steps=40, text_tokens=512, image_tokens=257,
    ),
    # Wan-AI/Wan2.2-TI2V-5B-Diffusers: 121 frames at 24 fps, 50 steps, VAE 16x16x4.
    "wan2.2-ti2v-5b": Model(
        family="wan",
        transformer={"attention_head_dim": 128, "cross_attn_norm": True, "eps": 1e-6, "ffn_dim": 14336,
                     "freq_dim": 256, "in_channels": 48, "num_attention_heads": 24, "num_layers": 30,
                     "out_channels": 48, "patch_size": [1, 2, 2], "qk_norm": "rms_norm_across_heads",
                     "text_dim": 4096},
        vae={"base_dim": 160, "decoder_base_dim": 256, "z_dim": 48, "is_residual": True, "in_channels": 12,
             "out_channels": 12, "patch_size": 2, "scale_factor_spatial": 16, "scale_factor_temporal": 4,
             "latents_mean": [0.0] * 48, "latents_std": [1.0] * 48},
        sizes={"720p": (1280, 704)},
        frames=121, fps=24, steps=50, text_tokens=512,
    ),
    # Lightricks/LTX-Video 2B (0.9.x): LTXVideoTransformer3DModel's defaults; 0.9.0 VAE.
    "ltx-video-2b": Model(
        family="ltx", transformer={}, vae={}, sizes={"480p": (704, 480), "720p": (1216, 704)},
        frames=121, fps=24, steps=40, text_tokens=128,
    ),
}


def reduce_for_cpu(model: Model) -> Model:
    """2 blocks at a quarter of the width, sides / 4, 17 frames: same code paths, CPU-sized."""
    config = dict(model.transformer)
    heads = config.get("num_attention_heads", 32)
    config["num_attention_heads"] = max(2, heads // 4)
    config["num_layers"] = 2
    if "ffn_dim" in config:
        config["ffn_dim"] //= 4
    if "added_kv_proj_dim" in config:
        config["added_kv_proj_dim"] = config["num_attention_heads"] * config["attention_head_dim"]
    if model.family == "ltx":
        config["cross_attention_dim"] = config["num_attention_heads"] * 64
    grid = 32
    sizes = {name: (w // 4 // grid * grid, h // 4 // grid * grid) for name, (w, h) in model.sizes.items()}
    return dataclasses.replace(model, transformer=config, sizes=sizes, frames=17)


def build_pipeline(model: Model, device: str, dtype: torch.dtype, reduced: bool) -> Any:
    """Random weights, created directly on the device in the target dtype (a 14B model never
    passes through float32 or host memory)."""
    import diffusers
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            if model.family == "wan":
                image_encoder = None
                if model.image_tokens:
                    layers = 2 if reduced else 32  # ViT-H/14: 32 layers, width 1280
                    image_encoder = CLIPVisionModel(CLIPVisionConfig(
                        hidden_size=1280, intermediate_size=5120, num_hidden_layers=layers, num_attention_heads=16,
                        patch_size=14, image_size=224, projection_dim=1024))
                pipe = diffusers.WanImageToVideoPipeline(
                    tokenizer=None, text_encoder=None,
                    transformer=diffusers.WanTransformer3DModel(**model.transformer),
                    vae=diffusers.AutoencoderKLWan(**model.vae).to(torch.float32),  # Wan decodes in fp32
                    scheduler=diffusers.UniPCMultistepScheduler(
                        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0),
                    image_encoder=image_encoder,
                    image_processor=CLIPImageProcessor() if image_encoder is not None else None,
                    expand_timesteps=model.transformer["in_channels"] == model.vae.get("z_dim", 16),
                )
            else:
                pipe = diffusers.LTXImageToVideoPipeline(
                    tokenizer=None, text_encoder=None,
                    transformer=diffusers.LTXVideoTransformer3DModel(**model.transformer),
                    vae=diffusers.AutoencoderKLLTXVideo(**model.vae),
                    scheduler=diffusers.FlowMatchEulerDiscreteScheduler(),
                )
    finally:
        torch.set_default_dtype(previous)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def call_kwargs(model: Model, pipe: Any, size: tuple[int, int], frames: int, steps: int, guidance: float,
                device: str, dtype: torch.dtype) -> dict[str, Any]:
    from PIL import Image

    width, height = size
    transformer = pipe.transformer
    text_dim = transformer.config.get("text_dim") or transformer.config.get("caption_channels")
    embeds = torch.randn(1, model.text_tokens, text_dim, device=device, dtype=dtype)
    kwargs: dict[str, Any] = {
        "image": Image.fromarray(np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)),
        "prompt_embeds": embeds, "negative_prompt_embeds": torch.randn_like(embeds),
        "width": width, "height": height, "num_frames": frames, "num_inference_steps": steps,
        "guidance_scale": guidance, "output_type": "latent",
        "generator": torch.Generator("cpu").manual_seed(0),
    }
    if model.family == "ltx":
        mask = torch.ones(1, model.text_tokens, device=device, dtype=torch.long)
        kwargs.update(prompt_attention_mask=mask, negative_prompt_attention_mask=mask, frame_rate=model.fps)
    return kwargs


@dataclasses.dataclass
class Timing:
    step: float
    setup: float
    peak_gib: float | None


def time_steps(pipe: Any, kwargs: dict[str, Any], device: str, cfg_batch: bool = False) -> Timing:
    """Median time between step callbacks, skipping the first step (warm-up, compilation)."""
    stamps: list[float] = []

    def on_step_end(_pipe: Any, _step: int, _t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        synchronize(device)
        stamps.append(time.perf_counter())
        return tensors

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    synchronize(device)
    start = time.perf_counter()
    with torch.inference_mode(), batched_cfg(pipe, cfg_batch):
        pipe(**kwargs, callback_on_step_end=on_step_end)
    steps = np.diff(stamps)
    step = float(np.median(steps)) if len(steps) else stamps[0] - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    return Timing(step=step, setup=max(0.0, stamps[0] - start - step), peak_gib=peak)


def time_decode(pipe: Any, model: Model, size: tuple[int, int], frames: int, device: str, tiled: bool) -> Timing:
    vae = pipe.vae
    spatial = pipe.vae_scale_factor_spatial if model.family == "wan" else pipe.vae_spatial_compression_ratio
    temporal = pipe.vae_scale_factor_temporal if model.family == "wan" else pipe.vae_temporal_compression_ratio
    channels = vae.config.z_dim if model.family == "wan" else vae.config.latent_channels
    latents = torch.randn(1, channels, (frames - 1) // temporal + 1, size[1] // spatial, size[0] // spatial,
                          device=device, dtype=vae.dtype)
    (vae.enable_tiling if tiled else vae.disable_tiling)()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    synchronize(device)
    start = time.perf_counter()
    with torch.inference_mode():
        vae.decode(latents, return_dict=False)
    synchronize(device)
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    return Timing(step=time.perf_counter() - start, setup=0.0, peak_gib=peak)


def time_post(size: tuple[int, int], frames: int, fps: int, out_size: tuple[int, int]) -> float:
    """Our CPU work per video: retime `frames` at `fps` to 5 s at 30 fps and upscale each frame."""
    rng = np.random.default_rng(0)
    base = (rng.random((size[1] // 8, size[0] // 8, 3)) * 255).astype(np.uint8)
    clip = []
    for index in range(frames):  # a smooth drifting texture, so the flow has something to track
        shift = np.float32([[8, 0, -index * 0.5], [0, 8, 0]])
        clip.append(cv2.warpAffine(base, shift, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT))
    count = OUTPUT_FPS * DURATION
    start = time.perf_counter()
    for frame in retime(clip, source_positions(count, OUTPUT_FPS, frames, fps)):
        upscale(frame, *out_size)
    return time.perf_counter() - start


def step_flops(model: Model, config: dict[str, Any], size: tuple[int, int], frames: int, cfg: bool) -> float:
    """Matmul + attention FLOPs of one denoising step (2 per multiply-add), as in the research notes."""
    heads = config.get("num_attention_heads", 32)
    head_dim = config.get("attention_head_dim", 64)
    d = heads * head_dim
    d_ff = config.get("ffn_dim", 4 * d)
    layers = config.get("num_layers", 28)
    if model.family == "wan":
        spatial = 16 * (2 if config["in_channels"] == 48 else 1)  # 5B: VAE 16x, then 2x2 patches
        tokens = ((frames - 1) // 4 + 1) * (size[1] // spatial) * (size[0] // spatial)
    else:  # LTX: VAE 32x32x8, patch 1
        tokens = ((frames - 1) // 8 + 1) * (size[1] // 32) * (size[0] // 32)
    context = model.text_tokens + model.image_tokens
    per_block = 12 * tokens * d * d + 4 * tokens * tokens * d + 4 * tokens * context * d + 4 * tokens * d * d_ff
    return per_block * layers * (2 if cfg else 1)


def cpu_matmul_rate(dtype: torch.dtype) -> float:
    a = torch.randn(1024, 1024, dtype=dtype)
    torch.mm(a, a)
    start = time.perf_counter()
    for _ in range(5):
        torch.mm(a, a)
    return 5 * 2 * 1024**3 / (time.perf_counter() - start)


SWITCHES = ("native_cudnn", "flash_3", "sage", "cfg_batch", "no_cfg", "cache", "compile", "fp8")


def run_variants(model: Model, pipe: Any, size: tuple[int, int], frames: int, steps: int, device: str,
                 dtype: torch.dtype, peak: float, switches: set[str]) -> list[dict[str, Any]]:
    guidance = 5.0
    base = call_kwargs(model, pipe, size, frames, steps, guidance, device, dtype)
    flops = step_flops(model, pipe.transformer.config, size, frames, cfg=True)
    rows: list[dict[str, Any]] = []

    def measure(name: str, setup: Callable[[], None] = lambda: None, cfg_batch: bool = False,
                kwargs: dict[str, Any] | None = None, video_steps: int | None = model.steps) -> Timing:
        setup()
        timing = time_steps(pipe, kwargs or base, device, cfg_batch)
        work = flops if (kwargs or base)["guidance_scale"] > 1 else flops / 2
        mfu = work / timing.step / peak if video_steps is not None else None  # a cache hit skips the work
        rows.append({"variant": name, "s_per_step": timing.step, "setup_s": timing.setup,
                     "peak_gib": timing.peak_gib, "mfu": mfu, "video_steps": video_steps})
        print(f"  {name:<46} {timing.step:8.3f} s/step  MFU {mfu or 0:6.1%}", flush=True)
        return timing

    def attempt(name: str, **options: Any) -> Timing | None:
        """A switch that may be missing here (FA3 not installed, a compile failure) is reported, not fatal."""
        try:
            return measure(name, **options)
        except Exception as error:  # noqa: BLE001 - any failure of an optional switch is a table line
            print(f"  {name}: unavailable ({type(error).__name__}: {str(error).splitlines()[0][:120]})")
            return None

    transformer = pipe.transformer
    best = measure("stock (SDPA, sequential CFG)", setup=lambda: transformer.set_attention_backend("native"))
    stock_setup = best.setup
    backend = "native"
    for candidate in ("_native_cudnn", "_flash_3", "sage") if device == "cuda" else ():
        if candidate.strip("_") not in switches:
            continue
        timing = attempt(f"attention {candidate}", setup=lambda b=candidate: transformer.set_attention_backend(b))
        if timing is not None and timing.step < best.step:
            best, backend = timing, candidate
    transformer.set_attention_backend(backend)
    use_batch = False
    if "cfg_batch" in switches:
        timing = measure(f"{backend} + CFG batching", cfg_batch=True)
        use_batch = timing.step < best.step
    if "no_cfg" in switches:
        measure(f"{backend}, no CFG, 4 steps (distilled LoRA)", kwargs={**base, "guidance_scale": 1.0},
                video_steps=DISTILLED_STEPS)
    if "cache" in switches:
        # A first-block-cache hit: an infinite threshold makes every step after the first a hit.
        transformer.enable_cache(cache_config(CacheOptions("first_block", {"threshold": 1e9}), pipe))
        measure("first-block cache: a cached step", video_steps=None)
        transformer.disable_cache()
    if "compile" in switches:
        name = f"ours: {backend}, regional compile{', CFG batch' if use_batch else ''}"
        ours = attempt(name, setup=lambda: compile_denoiser(transformer, "regional"), cfg_batch=use_batch)
        if ours is not None:  # its setup included the compile warm-up, paid once per worker
            rows[-1].update(warmup_s=ours.setup, setup_s=stock_setup)
    if "fp8" in switches:  # last: quantising is not undone; on a GPU without FP8 cores it is a table line
        kind = "fp8_dynamic" if device == "cuda" else "int8_weight_only"
        attempt(f"{backend} + torchao {kind} (linear layers)", setup=lambda: quantize(transformer, kind))
    return rows


def bench_spec(setting: dict[str, Any], name: str, runs: int) -> None:
    """Time the served engine itself from a weights directory: any family (LTX-2, HunyuanVideo-1.5
    included), preset and switch, exactly as a worker runs it; s/step and the stage split come from
    the engine's own stage clock, s/video from the wall clock of a 5 s 720p 16:9 task."""
    from stillmotion.engines.base import RenderRequest
    from stillmotion.engines.diffusion import DiffusionEngine, DiffusionSpec
    from stillmotion.pipeline.context import TaskContext

    started = time.perf_counter()
    engine = DiffusionEngine(DiffusionSpec.from_dict(name, setting))
    print(f"{name}: loaded in {time.perf_counter() - started:.1f} s on {engine.device}")
    image = np.random.default_rng(0).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    request = RenderRequest(image=image, prompt="waves roll onto the beach", negative_prompt="", cfg_scale=5.0,
                            seed=0, num_frames=OUTPUT_FPS * DURATION, fps=OUTPUT_FPS)
    print("| run | s/step | denoise s | decode s | retime+upscale s | s/video |\n|---|---|---|---|---|---|")
    for run in range(runs):  # the first includes warm-up (compile, kernel selection)
        render = engine.prepare(request)
        marks: dict[str, float] = {"start": time.perf_counter()}
        ctx = TaskContext()
        frames = render.frames(ctx)
        next(frames)
        marks["generated"] = time.perf_counter()
        for _ in frames:
            pass
        marks["end"] = time.perf_counter()
        steps = render.settings.steps
        denoise, decode = engine.clock.last["denoise"], engine.clock.last["decode"]
        print(f"| {run} | {denoise / steps:.3f} | {denoise:.1f} | {decode:.1f} | {marks['end'] - marks['generated']:.1f} "
              f"| {marks['end'] - marks['start']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="wan2.1-i2v-14b", choices=sorted(MODELS))
    parser.add_argument("--resolutions", default="480p,720p")
    parser.add_argument("--steps", type=int, default=3, help="denoising steps timed per variant (first is warm-up)")
    parser.add_argument("--switches", default=",".join(SWITCHES), help="which switches to measure after stock")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--spec", type=json.loads, help="a STILLMOTION_MODELS entry (JSON) to time as served, "
                        "from its weights directory, instead of a random-weight architecture")
    parser.add_argument("--runs", type=int, default=2, help="--spec: videos timed (the first warms up)")
    args = parser.parse_args()
    if args.spec is not None:
        bench_spec(args.spec, "bench", args.runs)
        return

    device = "cuda" if torch.cuda.is_available() else "cpu"
    reduced = device == "cpu"
    model = reduce_for_cpu(MODELS[args.model]) if reduced else MODELS[args.model]
    dtype = torch.bfloat16
    peak = H100_BF16_PEAK if device == "cuda" else cpu_matmul_rate(dtype)
    where = torch.cuda.get_device_name() if device == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    print(f"{args.model} on {where}" + ("  [REDUCED: 2 blocks, 1/4 width, 1/4 sides, 17 frames]" if reduced else ""))
    if reduced:
        print(f"  peak for MFU: measured bf16 matmul rate {peak / 1e9:.1f} GFLOP/s")
    started = time.perf_counter()
    pipe = build_pipeline(model, device, dtype, reduced)
    print(f"  built in {time.perf_counter() - started:.1f} s")

    results = []
    for resolution in args.resolutions.split(","):
        if resolution not in model.sizes:
            continue
        size = model.sizes[resolution]
        print(f"{resolution}: {size[0]}x{size[1]}, {model.frames} frames", flush=True)
        rows = run_variants(model, pipe, size, model.frames, args.steps, device, dtype, peak,
                            set(args.switches.split(",")))
        decode = time_decode(pipe, model, size, model.frames, device, tiled=False)
        decode_tiled = time_decode(pipe, model, size, model.frames, device, tiled=True)
        post = time_post(size, model.frames, model.fps, OUTPUT_SIZE.get(resolution, (1280, 720)))
        print(f"  VAE decode {decode.step:.2f} s{_peak(decode)}, tiled {decode_tiled.step:.2f} s{_peak(decode_tiled)};"
              f" interpolate+upscale {post:.2f} s")
        for row in rows:
            steps, per_video = row["video_steps"], decode.step + post + row["setup_s"]
            row["s_per_video"] = None if steps is None else per_video + steps * row["s_per_step"]
        results.append({"resolution": resolution, "size": size, "frames": model.frames, "rows": rows,
                        "decode_s": decode.step, "decode_tiled_s": decode_tiled.step,
                        "decode_peak_gib": decode.peak_gib, "decode_tiled_peak_gib": decode_tiled.peak_gib,
                        "post_s": post})
    print_table(args.model, where, reduced, results)
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "device": where, "reduced": reduced,
                                         "results": results}, indent=2, default=str))


def _peak(timing: Timing) -> str:
    return "" if timing.peak_gib is None else f" (peak {timing.peak_gib:.1f} GiB)"


def print_table(name: str, where: str, reduced: bool, results: list[dict[str, Any]]) -> None:
    print(f"\n### {name} on {where}{' (reduced model and size: compare rows, not machines)' if reduced else ''}\n")
    print("| resolution | variant | s/step | MFU | peak GiB | s/video (5 s) |")
    print("|---|---|---|---|---|---|")
    for result in results:
        for row in result["rows"]:
            peak = f"{row['peak_gib']:.1f}" if row["peak_gib"] is not None else "n/a"
            video = "n/a" if row["s_per_video"] is None else f"{row['s_per_video']:.1f} ({row['video_steps']} steps)"
            mfu = "n/a" if row["mfu"] is None else f"{row['mfu']:.1%}"
            print(f"| {result['resolution']} | {row['variant']} | {row['s_per_step']:.3f} | {mfu} "
                  f"| {peak} | {video} |")
    for result in results:
        print(f"\n{result['resolution']}: VAE decode {result['decode_s']:.2f} s,"
              f" tiled {result['decode_tiled_s']:.2f} s; interpolation + upscale to 30 fps 1280x720:"
              f" {result['post_s']:.2f} s per video")


if __name__ == "__main__":
    main()

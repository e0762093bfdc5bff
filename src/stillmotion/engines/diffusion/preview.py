"""A low-resolution look at the current latent while a task denoises, with no extra weights.

A linear map from latent channels to RGB is fitted once at load from the model's own VAE: a
few flat colours and ramps are encoded, and least squares relates each latent position to the
colour it came from (the same idea as the hand-made "latent2rgb" factors of other tools, but
derived, so it fits any checkpoint of the family, tiny test models included). Applying it to a
latent frame costs a matrix product; the picture is blurry and, early on, mostly noise, which
is what a preview of a diffusion model honestly looks like.

Wan's latents are (batch, channels, frames, height, width) in the normalised space the
pipeline denoises in; the other families pack or scale their latents differently and have no
preview yet.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch

_FIT_SIZE = 64
"""Side of the fitting images: several latent positions each, a few milliseconds to encode."""
_PREVIEW_LONG_SIDE = 256
_JPEG_QUALITY = 70


def _fitting_images() -> np.ndarray:
    """(n, size, size, 3) float in [0, 1]: flat primaries and secondaries, greys and two ramps."""
    size = _FIT_SIZE
    flats = [(r, g, b) for r in (0.0, 1.0) for g in (0.0, 1.0) for b in (0.0, 1.0)] + [(0.5, 0.5, 0.5)]
    images = [np.broadcast_to(np.array(colour), (size, size, 3)) for colour in flats]
    ramp = np.linspace(0.0, 1.0, size)
    images.append(np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 1 - ramp[None, :]), axis=-1))
    images.append(np.stack(np.broadcast_arrays(1 - ramp[:, None], ramp[None, :] * 0.5, ramp[:, None]), axis=-1))
    return np.stack(images).astype(np.float32)


class LatentPreview:
    """Latent frame -> small RGB JPEG, by a linear map fitted to this model's VAE."""

    def __init__(self, weights: np.ndarray) -> None:
        self._weights = weights  # (channels + 1, 3): the last row is the bias

    @classmethod
    def fit(cls, pipe: Any) -> LatentPreview:
        vae = pipe.vae
        images = _fitting_images()
        video = torch.from_numpy(images * 2 - 1).permute(0, 3, 1, 2).unsqueeze(2)  # (n, 3, 1, h, w)
        param = next(vae.parameters())
        with torch.inference_mode():
            latents = vae.encode(video.to(param.device, param.dtype)).latent_dist.mode().float().cpu()
        mean = torch.tensor(vae.config.latents_mean).view(1, -1, 1, 1, 1)
        std = torch.tensor(vae.config.latents_std).view(1, -1, 1, 1, 1)
        latents = ((latents - mean) / std)[:, :, 0].numpy()  # the pipeline's normalised space
        n, channels, height, width = latents.shape
        targets = np.stack([cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA) for image in images])
        features = np.concatenate([latents.transpose(0, 2, 3, 1).reshape(-1, channels),
                                   np.ones((n * height * width, 1), np.float32)], axis=1)
        weights, *_ = np.linalg.lstsq(features, targets.reshape(-1, 3), rcond=None)
        return cls(weights.astype(np.float32))

    def rgb(self, latents: torch.Tensor) -> np.ndarray:
        """(h, w, 3) uint8 of the middle latent frame of the first video in the batch."""
        frame = latents[0, :, latents.shape[2] // 2].float().cpu().numpy()  # (channels, h, w)
        channels, height, width = frame.shape
        features = np.concatenate([frame.reshape(channels, -1).T, np.ones((height * width, 1), np.float32)], axis=1)
        image = np.clip(features @ self._weights, 0, 1).reshape(height, width, 3)
        return (image * 255 + 0.5).astype(np.uint8)

    def jpeg(self, latents: torch.Tensor) -> bytes:
        image = self.rgb(latents)
        scale = _PREVIEW_LONG_SIDE / max(image.shape[:2])
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
        assert ok
        return encoded.tobytes()

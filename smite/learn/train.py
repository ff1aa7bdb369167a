"""Training of part tokens (and cross-attention keys/values) on a few annotated reference images.

Modes (paper 4.2, appendix 7.5, Table 8):
* ``embeddings``: part embeddings only (SLiMe, Baseline-I);
* ``two-phase``: phase 1 part embeddings at a high learning rate, phase 2 cross-attention to_k/to_v
  at a low one (embeddings frozen unless ``phase2_train_embeddings``);
* ``joint``: embeddings and to_k/to_v together from the start.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from smite.config import TrainConfig
from smite.data.references import ReferenceSet
from smite.learn.augment import Augmenter
from smite.learn.losses import combine_losses, cross_entropy_loss, fourier_loss, ldm_loss, was_mse_loss
from smite.metrics import score_video
from smite.model.inference import predict_labels
from smite.model.segmenter import PartSegmenter, resize_labels, to_model_input

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What a run produced: the best state, its epoch and score, and the per-epoch curve."""

    best_state: dict[str, torch.Tensor]
    best_epoch: int
    best_val_miou: float
    curve: list[dict[str, float]]
    seconds: float


def trainable_groups(model: PartSegmenter, config: TrainConfig, epoch: int) -> list[dict]:
    """Parameter groups optimised at this epoch under the configured mode."""
    embeddings = {"params": [model.part_embeddings], "lr": config.embedding_lr, "name": "embeddings"}
    cross = {"params": model.cross_attention_parameters(), "lr": config.cross_attention_lr, "name": "cross"}
    if config.mode == "embeddings":
        return [embeddings]
    if config.mode == "joint":
        return [embeddings, cross]
    if epoch < config.phase1_epochs:
        return [embeddings]
    return [embeddings, cross] if config.phase2_train_embeddings else [cross]


def model_state(model: PartSegmenter) -> dict[str, torch.Tensor]:
    """The trained tensors: part embeddings and every cross-attention to_k/to_v weight."""
    state = {"part_embeddings": model.part_embeddings.detach().cpu().clone()}
    for name, param in model.named_cross_attention_parameters().items():
        state[f"unet.{name}"] = param.detach().cpu().clone()
    return state


def load_state(model: PartSegmenter, state: dict[str, torch.Tensor]) -> None:
    """Inverse of model_state (missing cross-attention entries keep the backbone's weights)."""
    with torch.no_grad():
        model.part_embeddings.copy_(state["part_embeddings"])
        params = model.named_cross_attention_parameters()
        for key, value in state.items():
            if key.startswith("unet."):
                params[key.removeprefix("unet.")].copy_(value)


def step_loss(
    model: PartSegmenter,
    image: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    generator: torch.Generator,
    *,
    epoch: int,
) -> dict[str, torch.Tensor]:
    """Losses of one augmented reference at a random timestep t ~ U[min, max] with fresh noise.

    The Fourier loss is always computed (and reported); it enters ``loss`` from ``fourier_from_epoch``.
    """
    size = model.backbone.image_size
    latents = model.backbone.encode_images(to_model_input([image], size))
    timestep = int(torch.randint(config.min_timestep, config.max_timestep + 1, (1,), generator=generator))
    noise = torch.randn(latents.shape, generator=generator).to(latents)
    steps = torch.tensor([timestep], device=latents.device)
    maps = model(model.backbone.scheduler.add_noise(latents, noise, steps), steps)
    resolution = maps.was.shape[-1]
    target = torch.from_numpy(resize_labels(labels, resolution))[None].to(maps.was.device)
    terms = {
        "ce": cross_entropy_loss(maps.cross_logits, target),
        "mse": was_mse_loss(maps.was, target),
        "ldm": ldm_loss(maps.noise_pred, noise),
        "fourier": fourier_loss(maps.was, target, config.fourier_cutoff),
    }
    total = combine_losses(
        terms,
        epoch=epoch,
        mse_weight=config.mse_weight,
        ldm_weight=config.ldm_weight,
        fourier_weight=config.fourier_weight,
        fourier_from_epoch=config.fourier_from_epoch,
    )
    return {"loss": total, **terms}


def validation_miou(
    model: PartSegmenter, references: ReferenceSet, config: TrainConfig, generator: torch.Generator | None = None
) -> float:
    """mIoU (%, SMITE rules) of single-pass predictions on un-augmented images.

    As in the authors' validation, each image gets its own timestep t ~ U[val_min_timestep,
    val_max_timestep] (both inclusive) and fresh noise: one round seed is drawn from `generator` (default:
    one seeded with config.seed) and predict_labels derives each image's t and noise from it, so a run is
    deterministic given its seed and the images are still forwarded in batches.
    """
    generator = generator or torch.Generator().manual_seed(config.seed)
    round_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    preds = predict_labels(model, references.images, (config.val_min_timestep, config.val_max_timestep), round_seed)
    gts = dict(enumerate(references.labels))
    return float(score_video(dict(enumerate(preds)), gts, model.num_parts)["mIoU"])


def _optimizer(model: PartSegmenter, config: TrainConfig, epoch: int) -> torch.optim.Adam:
    groups = trainable_groups(model, config, epoch)
    trainable = {id(p) for group in groups for p in group["params"]}
    for param in [model.part_embeddings, *model.cross_attention_parameters()]:
        param.requires_grad_(id(param) in trainable)
    return torch.optim.Adam(groups)


def train(
    model: PartSegmenter,
    references: ReferenceSet,
    config: TrainConfig,
    validation: ReferenceSet | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train with batch size 1 over the references; keep the state of the best validation mIoU.

    Without a separate validation set the un-augmented references themselves are scored, which
    selects the epoch that fits them best (the authors keep the best-validation checkpoint).
    """
    validation = validation or references
    augmenter = Augmenter(config.augment, config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    val_generator = torch.Generator().manual_seed(config.seed + 1)
    # fp16 autocast (Backbone.autocast) backpropagates in fp16: scale the loss against underflow, as
    # accelerate's fp16 mixed precision does for the authors' training; a no-op in fp32 and bf16.
    scaler = torch.amp.GradScaler(model.backbone.device.type, enabled=model.backbone.precision == "fp16")
    order_rng = np.random.default_rng(config.seed)
    start = time.perf_counter()
    best = TrainResult(model_state(model), -1, -1.0, [], 0.0)
    optimizer, groups_key = None, None
    bar = tqdm(range(config.epochs), desc="training", unit="epoch", disable=not progress)
    for epoch in bar:
        key = tuple(g["name"] for g in trainable_groups(model, config, epoch))
        if key != groups_key:
            optimizer, groups_key = _optimizer(model, config, epoch), key
        totals: dict[str, float] = {}
        for index in order_rng.permutation(len(references.images)):
            image, labels = augmenter(references.images[index], references.labels[index])
            losses = step_loss(model, image, labels, config, generator, epoch=epoch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(losses["loss"]).backward()
            scaler.step(optimizer)
            scaler.update()
            for name, value in losses.items():
                totals[name] = totals.get(name, 0.0) + value.item() / len(references.images)
        row = {"epoch": epoch, **totals, "seconds": time.perf_counter() - start}
        if (epoch + 1) % config.val_every == 0 or epoch == config.epochs - 1:
            row["val_mIoU"] = validation_miou(model, validation, config, val_generator)
            if row["val_mIoU"] > best.best_val_miou:
                best.best_state, best.best_epoch, best.best_val_miou = model_state(model), epoch, row["val_mIoU"]
        best.curve.append(row)
        bar.set_postfix(loss=f"{totals['loss']:.3f}", val=f"{best.best_val_miou:.1f}")
        log.info("epoch %d %s", epoch, {k: round(v, 4) for k, v in row.items()})
    best.seconds = time.perf_counter() - start
    for param in [model.part_embeddings, *model.cross_attention_parameters()]:
        param.requires_grad_(False)
    load_state(model, best.best_state)
    return best


def config_dict(config: TrainConfig) -> dict:
    """JSON-friendly hyperparameters for the checkpoint metadata."""
    return asdict(config)

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

from smite.data.references import ReferenceSet
from smite.learn.augment import Augmenter
from smite.learn.losses import combine_losses, cross_entropy_loss, fourier_loss, ldm_loss, was_mse_loss
from smite.metrics import score_video
from smite.model.draws import Draws, SeededDraws
from smite.model.inference import item_timesteps, posterior_latents, predict_labels
from smite.model.segmenter import Maps, PartSegmenter, resize_labels, to_model_input
from smite.settings import TrainSettings

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What a run produced: the best state, its epoch and score, and the per-epoch curve."""

    best_state: dict[str, torch.Tensor]
    best_epoch: int
    best_val_miou: float
    curve: list[dict[str, float]]
    seconds: float


def trainable_groups(model: PartSegmenter, config: TrainSettings, epoch: int) -> list[dict]:
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


@dataclass
class StepOutput:
    """One training step's forward: its losses (``loss`` is the total) and the maps they were computed from."""

    losses: dict[str, torch.Tensor]
    maps: Maps
    target: torch.Tensor  # (1, R, R) labels at the attention resolution


def step_loss(
    model: PartSegmenter,
    image: np.ndarray,
    labels: np.ndarray,
    config: TrainSettings,
    draws: Draws,
    key: int,
    *,
    epoch: int,
) -> StepOutput:
    """Losses of one reference image (the authors' training_step + compute_loss).

    A posterior sample of its latents, t ~ U[min, max] and fresh noise (roles "posterior", "t", "noise" of
    step `key`); the full prompt's context; with ldm_guidance_scale > 1 an unconditional half whose noise
    prediction enters the LDM term as u + scale (c - u) (the maps are the conditional half's). The Fourier
    loss is always computed (and reported); it enters ``loss`` from ``fourier_from_epoch``.
    """
    size = model.backbone.image_size
    posterior = model.backbone.posterior(to_model_input([image], size))
    latents = posterior_latents(posterior, config.posterior, draws, "posterior", [key])
    steps = item_timesteps((config.min_timestep, config.max_timestep), draws, "t", [key]).to(latents.device)
    noise = draws.normal("noise", tuple(latents.shape), [key]).to(latents)
    noisy = model.backbone.scheduler.add_noise(latents, noise, steps)
    maps = model(noisy, steps, guidance_scale=config.ldm_guidance_scale)
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
    return StepOutput({"loss": total, **terms}, maps, target)


def validation_miou(
    model: PartSegmenter, references: ReferenceSet, config: TrainSettings, generator: torch.Generator
) -> float:
    """mIoU (%, SMITE rules) of single-pass predictions on un-augmented images.

    As in the authors' validation, each image gets a posterior sample, its own timestep t ~ U[val_min_timestep,
    val_max_timestep] (both inclusive) and fresh noise: one round seed is drawn from `generator` and predict_labels
    derives each image's draws from it, so a run is deterministic given its seed and the images are still forwarded
    in batches.
    """
    round_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    preds = predict_labels(model, references.images, (config.val_min_timestep, config.val_max_timestep),
                           SeededDraws(round_seed), config.posterior)
    gts = dict(enumerate(references.labels))
    return float(score_video(dict(enumerate(preds)), gts, model.num_parts)["mIoU"])


class Optimiser:
    """The authors' backward_and_optimize: the loss times `loss_scale` (and, under fp16, accelerate's loss scale),
    the part embeddings' gradient clipped at `grad_clip_norm`, then Adam on this epoch's parameter groups.

    Under fp16 with `fp16_loss_scale` set, the gradients Adam sees keep that factor (the authors' runs never
    unscale them); with it null, a dynamic GradScaler unscales before clipping and skips steps that overflow.
    A new set of parameter groups (the phase change) starts a fresh Adam, as the authors' second optimiser
    starts from zero moments. Phase-2 epochs divisible by `phase2_idle_every` do not step.
    """

    def __init__(self, model: PartSegmenter, config: TrainSettings) -> None:
        self.model, self.config = model, config
        self.optimizer: torch.optim.Adam | None = None
        self.groups_key: tuple[str, ...] | None = None
        fp16 = model.backbone.precision == "fp16"
        self.fixed_scale = config.loss_scale * (config.fp16_loss_scale if fp16 and config.fp16_loss_scale else 1.0)
        self.scaler = torch.amp.GradScaler(model.backbone.device.type,
                                           enabled=fp16 and config.fp16_loss_scale is None)

    def start_epoch(self, epoch: int) -> None:
        """The parameter groups of this epoch (a new Adam when they change)."""
        key = tuple(g["name"] for g in trainable_groups(self.model, self.config, epoch))
        if key != self.groups_key:
            self.optimizer, self.groups_key = _optimizer(self.model, self.config, epoch), key

    def idle(self, epoch: int) -> bool:
        """Whether this phase-2 epoch steps nothing (the authors' epochs 60, 70, ...)."""
        every, config = self.config.phase2_idle_every, self.config
        return config.mode == "two-phase" and epoch >= config.phase1_epochs and every > 0 and epoch % every == 0

    def step(self, loss: torch.Tensor, epoch: int) -> None:
        """backward() then apply(): one optimiser step on `loss` (nothing on an idle epoch)."""
        if self.idle(epoch):
            return
        self.backward(loss)
        self.apply()

    def backward(self, loss: torch.Tensor) -> None:
        """Gradients of loss x loss_scale (x the fp16 loss scale) on this epoch's parameters, clipped as the
        authors clip them (the part embeddings' norm); they stay on the parameters until apply()."""
        assert self.optimizer is not None, "start_epoch first"
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss * self.fixed_scale).backward()
        self.scaler.unscale_(self.optimizer)
        if self.config.grad_clip_norm > 0 and self.model.part_embeddings.grad is not None:
            torch.nn.utils.clip_grad_norm_([self.model.part_embeddings], self.config.grad_clip_norm)

    def apply(self) -> None:
        """Adam on the gradients backward() left, then clear them."""
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)


def _optimizer(model: PartSegmenter, config: TrainSettings, epoch: int) -> torch.optim.Adam:
    groups = trainable_groups(model, config, epoch)
    trainable = {id(p) for group in groups for p in group["params"]}
    for param in [model.part_embeddings, *model.cross_attention_parameters()]:
        param.requires_grad_(id(param) in trainable)
    return torch.optim.Adam(groups)


def train(
    model: PartSegmenter,
    references: ReferenceSet,
    config: TrainSettings,
    seed: int,
    validation: ReferenceSet | None = None,
    progress: bool = True,
    draws: Draws | None = None,
) -> TrainResult:
    """Train with batch size 1 over the references; keep the state of the best validation mIoU.

    Without a separate validation set the un-augmented references themselves are scored, which
    selects the epoch that fits them best (the authors keep the best-validation checkpoint). Step
    `epoch * len(references) + i` takes its draws from `draws` (default: SeededDraws(seed)); `seed` (the run's)
    also seeds the augmentation, the image order and the validation draws.
    """
    validation = validation or references
    augmenter = Augmenter(config.augment, seed)
    draws = draws or SeededDraws(seed)
    val_generator = torch.Generator().manual_seed(seed + 1)
    optimiser = Optimiser(model, config)
    order_rng = np.random.default_rng(seed)
    start = time.perf_counter()
    best = TrainResult(model_state(model), -1, -1.0, [], 0.0)
    count = len(references.images)
    bar = tqdm(range(config.epochs), desc="training", unit="epoch", disable=not progress)
    for epoch in bar:
        optimiser.start_epoch(epoch)
        totals: dict[str, float] = {}
        for position, index in enumerate(order_rng.permutation(count)):
            image, labels = augmenter(references.images[index], references.labels[index])
            losses = step_loss(model, image, labels, config, draws, epoch * count + position, epoch=epoch).losses
            optimiser.step(losses["loss"], epoch)
            for name, value in losses.items():
                totals[name] = totals.get(name, 0.0) + value.item() / count
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


def config_dict(config: TrainSettings) -> dict:
    """JSON-friendly hyperparameters for the checkpoint metadata."""
    return asdict(config)

"""The passes of a diffusion method's inference (smite.passes names them; a `Method` lists the ones it runs).

A window pass has `window(view, posterior, window, maps)`: the window's maps from its frames' posteriors and the
maps of the pass before it (None for the first). A video pass has `video(maps, tracks)`: every frame's scores from
the whole video's maps. Each is built from the model, the method, the inference settings and the trace list.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import torch
from diffusers import DDIMScheduler

from smite.energies import VOTE, reads
from smite.guide import (
    LatentAdam,
    SliceMaps,
    energy_weights,
    guidance_step_size,
    lowpass_mask,
    temporal_vote,
    total_energy,
)
from smite.methods import Method
from smite.model.backbone import LatentPosterior
from smite.model.draws import Draws
from smite.model.inference import batches, item_timesteps, noised, posterior_latents
from smite.model.segmenter import PartSegmenter
from smite.model.was import InferenceWas
from smite.settings import InferenceSettings
from smite.track.cache import TrackCache
from smite.windows import Window

if TYPE_CHECKING:
    from smite.segment.streamer import View

log = logging.getLogger(__name__)

Trace = list[dict[str, Any]]
VoteLayout = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class WindowPass(Protocol):
    def window(self, view: View, posterior: LatentPosterior, window: Window,
               maps: InferenceWas | None) -> InferenceWas: ...


class VideoPass(Protocol):
    def video(self, maps: torch.Tensor, tracks: TrackCache) -> torch.Tensor: ...


def _steps(count: int, timestep: int, device: torch.device) -> torch.Tensor:
    return torch.full((count,), int(timestep), dtype=torch.long, device=device)


class _ModelPass:
    """What the model's passes share: the model, the settings, and the latents a pass starts from."""

    def __init__(self, model: PartSegmenter, variant: Method, inference: InferenceSettings,
                 trace: Trace | None = None) -> None:
        self.model, self.variant, self.config = model, variant, inference
        self.trace = trace  # when a list: one record per guided timestep and per latent update (inspection, tests)

    def latents(self, posterior: LatentPosterior, role: str, indices: range, draws: Draws) -> torch.Tensor:
        """A pass's latents: a fresh posterior sample (role `role`) or the mean, per `inference.posterior`."""
        return posterior_latents(posterior, self.config.posterior, draws, role, list(indices))


class ReferencePass(_ModelPass):
    """The reference pass (the authors' _get_refrence): its own posterior sample, fresh noise at t ~ U[95, 104], one
    forward with the empty prompt's context, inference WAS. Inflated: one timestep for the whole window (key: its
    first frame); 2D: one per frame."""

    def window(self, view: View, posterior: LatentPosterior, window: Window,
               maps: InferenceWas | None) -> InferenceWas:
        return self.maps(posterior, range(window.start, window.stop), view.draws)

    @torch.no_grad()
    def maps(self, posterior: LatentPosterior, indices: range, draws: Draws) -> InferenceWas:
        """The pass's WAS of the frames `indices` (their posteriors)."""
        timesteps, keys = self.config.reference_timesteps, list(indices)
        latents = self.latents(posterior, "posterior.reference", indices, draws)
        if self.variant.inflated:
            steps = item_timesteps(timesteps, draws, "reference_t", keys[:1]).expand(len(keys)).to(latents.device)
            noisy = noised(self.model, latents, steps, draws, "reference_noise", keys)
            return self.model(noisy, steps, num_frames=len(keys), context="empty").inference_was()
        out = []
        for chunk in batches(len(keys), self.config.batch_size):
            steps = item_timesteps(timesteps, draws, "reference_t", keys[chunk]).to(latents.device)
            noisy = noised(self.model, latents[chunk], steps, draws, "reference_noise", keys[chunk])
            out.append(self.model(noisy, steps, context="empty").inference_was())
        return InferenceWas.cat(out)


class GuidedPass(_ModelPass):
    """Eqs. 7-8 as the authors' _inference runs them, on the previous pass's maps as S_ref (the hand-over frames
    taking the previous window's final S): a posterior sample of its own noised to the first guided timestep, then
    every guided timestep in turn. The voted labels are computed only when an energy reads them."""

    def window(self, view: View, posterior: LatentPosterior, window: Window,
               maps: InferenceWas | None) -> InferenceWas:
        resolution = maps.resolution
        reference = maps.at(resolution)
        for frame in range(window.start, window.start + window.handover):  # the previous window's S
            reference[frame - window.start] = view.previous[frame].at(resolution)[0]
        return self.run_window(posterior, reference, window, view.tracks, view.draws)

    def _record(self, **record: Any) -> None:
        if self.trace is not None:
            self.trace.append({key: value.detach().clone() if isinstance(value, torch.Tensor) else value
                               for key, value in record.items()})

    @property
    def votes(self) -> bool:
        """Whether an energy it descends reads the voted labels (then it needs the window's trajectories)."""
        return reads(self.variant.energies, VOTE)

    def schedule(self) -> tuple[DDIMScheduler, list[int]]:
        """DDIM scheduler and the guided timesteps: the last `guided_timesteps` of a `schedule_steps`-step
        schedule shifted by `timestep_shift` (authors: 1000 steps, 4, +100 -> 104, 103, 102, 101)."""
        return self._schedule

    @cached_property
    def _schedule(self) -> tuple[DDIMScheduler, list[int]]:
        # made once per pass: DDIMScheduler.step reads the scheduler and never changes it
        config = self.config
        scheduler = DDIMScheduler.from_config(self.model.backbone.scheduler.config)
        scheduler.set_timesteps(config.schedule_steps)
        timesteps = [int(t) + config.timestep_shift for t in scheduler.timesteps[-config.guided_timesteps:]]
        return scheduler, timesteps

    def run_window(self, posterior: LatentPosterior, reference: torch.Tensor, window: Window,
                   tracks: TrackCache | None, draws: Draws) -> InferenceWas:
        """A window's guided timesteps from its start (`start`) through each `timestep`; the last one's WAS."""
        _, timesteps = self.schedule()
        layout = self.vote_layout(tracks, window) if self.votes else None
        z = self.start(posterior, window, draws)
        for step in range(len(timesteps)):
            current, z = self.timestep(z, step, reference, layout, window)
        return current

    def start(self, posterior: LatentPosterior, window: Window, draws: Draws) -> torch.Tensor:
        """The window's guided latent: its own posterior sample, noised to the first guided timestep."""
        _, timesteps = self.schedule()
        indices = range(window.start, window.stop)
        latents = self.latents(posterior, "posterior.guided", indices, draws)
        return noised(self.model, latents, _steps(len(posterior), timesteps[0], latents.device), draws,
                      "guided_noise", list(indices))

    @staticmethod
    def vote_layout(tracks: TrackCache, window: Window) -> VoteLayout:
        """The window's tracks as the vote reads them: positions, visibility, frame offsets."""
        positions, visible, offsets = (torch.as_tensor(a) for a in tracks.window_layout(window.start, window.stop))
        return positions, visible, offsets

    def timestep(self, z: torch.Tensor, step: int, reference: torch.Tensor, layout: VoteLayout | None,
                 window: Window) -> tuple[InferenceWas, torch.Tensor]:
        """Guided timestep `step` at latent z: a no-grad forward (the full prompt's context) gives S; before the
        last timestep the DDIM step follows and, at the first `guided_updates` timesteps, one vote on that S (when an
        energy reads it) and `updates_per_step` Adam-like updates of the stepped latent on the weighted energies.
        Returns S and the next timestep's latent (after the last timestep, z as it came)."""
        config, frames = self.config, len(z)
        scheduler, timesteps = self.schedule()
        timestep, resolution = timesteps[step], reference.shape[-1]
        with torch.no_grad():
            maps = self.model(z, _steps(frames, timestep, z.device), num_frames=frames)
        current = maps.inference_was()
        if step == len(timesteps) - 1:
            self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution))
            return current, z
        z = scheduler.step(maps.noise_pred, timestep, z).prev_sample
        tracked = None
        if step < config.guided_updates:
            if self.votes:
                tracked, _ = temporal_vote(current.at(resolution), *layout, config.vote_window)
            threshold = config.lowpass_spatial_first if step == 0 else config.lowpass_spatial
            z = self.optimise(z, timestep, float(scheduler.alphas[timestep]),
                              tracked.argmax(1) if tracked is not None else None, reference, threshold, window)
        self._record(window=(window.start, window.stop), step=step, t=timestep, S=current.at(resolution),
                     S_tracked=tracked, latent=z)
        return current, z

    def optimise(self, z: torch.Tensor, timestep: int, alpha_t: float, target: torch.Tensor | None,
                 reference: torch.Tensor, threshold: float, window: Window) -> torch.Tensor:
        """optimize_latents: `updates_per_step` rounds over slices of `guidance_slice` frames, each forwarded on
        its own with its own Adam moments; the energies compare a slice's S with its rows of the inputs they read
        (the target, S_ref, the low-pass mask)."""
        config, energies = self.config, self.variant.energies
        z = z.detach().clone()
        step_size = guidance_step_size(alpha_t, config.guidance_lr)
        weights = energy_weights(energies, config)
        if not any(weights.values()):
            return z
        slices = list(batches(len(z), config.guidance_slice))
        optimisers = [LatentAdam(config.adam_beta1, config.adam_beta2, config.adam_eps) for _ in slices]
        resolution = reference.shape[-1]
        masks = {count: lowpass_mask(count, resolution, resolution, threshold).to(z.device)
                 for count in {part.stop - part.start for part in slices}} if reads(energies, "mask") else {}
        for update in range(config.updates_per_step):
            for part, optimiser in zip(slices, optimisers, strict=True):
                latent = z[part].detach().requires_grad_(True)
                count = len(latent)
                maps = self.model(latent, _steps(count, timestep, z.device), num_frames=count)
                slice_maps = SliceMaps(maps.inference_was().at(resolution), reference[part],
                                       target[part] if target is not None else None, masks.get(count))
                energy, terms = total_energy(slice_maps, weights)
                (grad,) = torch.autograd.grad(energy, latent)
                z[part] = optimiser.step(latent, grad, step_size)
                log.debug("window %d-%d t=%d: E %.4f %s", window.start, window.stop, timestep, float(energy.detach()),
                          " ".join(f"{name} {float(value):.4f}" for name, value in terms.items()))
                self._record(window=(window.start, window.stop), t=timestep, update=update,
                             frames=(part.start, part.stop), energy=energy, grad=grad, latent=z[part], **terms)
        return z


class PosthocVote(_ModelPass):
    """Baseline-II's vote: the whole video's maps (T, K, R, R) voted along each frame's trajectories (Algorithm 1)
    after the windows (the paper's Fig. 12 applies the tracker to S_WAS in post-processing)."""

    def video(self, maps: torch.Tensor, tracks: TrackCache) -> torch.Tensor:
        voted, _ = temporal_vote(maps, *tracks.video_layout(), self.config.vote_window)
        return voted

"""The project's functions against golden cases computed by the authors' own code (tests/fixtures/authors/).

Each .npz holds cases ``c<i>.<field>``: the inputs the authors' function was run on and what it returned
(see docs/fidelity.md for the function behind each file). Cases are discovered from the files, so a file
with more cases means more checks. Tolerance: 1e-5 relative for float outputs (the authors ran float32 on
CPU), 1e-5 absolute for the UNet's noise prediction.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler, UNet2DConditionModel

from smite.guide import LatentAdam, guidance_step_size, lowpass_energy, lowpass_mask, temporal_vote, tracking_energy
from smite.learn.losses import (
    centred_spectra,
    combine_losses,
    cross_entropy_loss,
    fourier_loss,
    high_pass_mask,
    ldm_loss,
    spectrum_errors,
    was_mse_loss,
)
from smite.metrics import score_video
from smite.model.attention import install_processors
from smite.model.was import InferenceWas, inference_was, was_maps

GOLDEN = Path(__file__).parent / "fixtures" / "authors"
RTOL = 1e-5
# SD 2.1 base's scheduler (scheduler_config.json): the alphas the latent update reads
SD21_SCHEDULER = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
                  "beta_schedule": "scaled_linear", "clip_sample": False, "set_alpha_to_one": False,
                  "steps_offset": 1, "prediction_type": "epsilon"}


def cases(name: str) -> list[pytest.param]:
    """One pytest param per case c<i> of a golden file: a dict of that case's fields."""
    with np.load(GOLDEN / name) as data:
        grouped: dict[int, dict[str, np.ndarray]] = {}
        for key in data.files:
            match = re.fullmatch(r"c(\d+)\.(.+)", key)
            if match:
                grouped.setdefault(int(match[1]), {})[match[2]] = data[key]
    assert grouped, f"{name} holds no case"
    return [pytest.param(grouped[i], id=f"c{i}") for i in sorted(grouped)]


def shared(name: str) -> dict[str, np.ndarray]:
    """The fields of a golden file that belong to no case (a model shared by its cases)."""
    with np.load(GOLDEN / name) as data:
        return {key: data[key] for key in data.files if not re.match(r"c\d+\.", key)}


def close(actual: torch.Tensor | float, expected: np.ndarray | float, rtol: float = RTOL) -> None:
    """Relative 1e-5 against the expected magnitude (an absolute floor of rtol x max |expected|)."""
    actual = np.asarray(actual.detach().cpu() if isinstance(actual, torch.Tensor) else actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.abs(expected).max()), 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def test_every_golden_file_is_checked() -> None:
    """A golden file added to the fixtures without a test here fails (every file must be compared)."""
    tested = {"voting.npz", "lowpass.npz", "track_energy.npz", "latent_update.npz", "was.npz",
              "unet_inflated.npz", "train_loss.npz", "train_loss_grad.npz", "metrics.npz",
              "scoring.npz"}  # scoring.npz: tests/test_fidelity_scoring.py
    # tests/test_fidelity_e2e.py and tests/test_fidelity_hierarchical.py run them all
    whole_pipeline = re.compile(r"(e2e_inference|e2e_hierarchical|train_step).*\.npz")
    assert {p.name for p in GOLDEN.glob("*.npz") if not whole_pipeline.fullmatch(p.name)} == tested


@pytest.mark.parametrize("case", cases("voting.npz"))
def test_voting(case: dict[str, np.ndarray]) -> None:
    """apply_voting: shifted windows of `window` frames, visible votes, majority label, mean of its WAS."""
    tracks, visible = case["tracks"], case["visible"]  # (T, T, N, 2) absolute frames j, (T, T, N)
    frames = tracks.shape[0]
    offsets = np.arange(-(frames - 1), frames)
    positions = np.zeros((frames, len(offsets), tracks.shape[2], 2), np.float32)
    seen = np.zeros((frames, len(offsets), tracks.shape[2]), bool)
    for query in range(frames):
        for column, offset in enumerate(offsets):
            if 0 <= query + offset < frames:
                positions[query, column] = tracks[query, query + offset]
                seen[query, column] = visible[query, query + offset] > 0
    tracked, labels = temporal_vote(torch.from_numpy(case["was"]), positions, seen, offsets, int(case["window"]))
    close(tracked, case["expected"])
    assert torch.equal(labels, torch.from_numpy(case["expected"]).argmax(1))


@pytest.mark.parametrize("case", cases("lowpass.npz"))
def test_lowpass_energy(case: dict[str, np.ndarray]) -> None:
    """dct_loss(S, S_ref, low_pass=True, threshold): int cutoff on rows/columns, every temporal frequency."""
    S, S_ref = torch.from_numpy(case["S"]).double(), torch.from_numpy(case["S_ref"]).double()
    frames, _, rows, cols = S.shape
    energy = lowpass_energy(S, S_ref, lowpass_mask(frames, rows, cols, float(case["threshold"])))
    close(energy, case["expected"])


@pytest.mark.parametrize("case", cases("track_energy.npz"))
def test_tracking_energy(case: dict[str, np.ndarray]) -> None:
    """_compute_tracking_loss: class-weighted CE of the WAS logits against argmax S_tracked."""
    S = torch.from_numpy(case["S"])
    close(tracking_energy(S, torch.from_numpy(case["S_tracked"]).argmax(1)), case["expected"])


@pytest.mark.parametrize("case", cases("latent_update.npz"))
def test_latent_update(case: dict[str, np.ndarray]) -> None:
    """_update_latent_with_gradient: Adam moments from 0, step 10 (1 - alpha_t) / alpha_t, per-step alpha."""
    scheduler = DDIMScheduler(**SD21_SCHEDULER)
    step = guidance_step_size(float(scheduler.alphas[int(case["t"])]), lr=10.0)
    optimizer, z = LatentAdam(0.9, 0.999, 1e-5), torch.from_numpy(case["z"])
    for grad in torch.from_numpy(case["grads"]):
        z = optimizer.step(z, grad, step)
    close(z, case["expected"])


@pytest.mark.parametrize("case", cases("was.npz"))
def test_inference_was(case: dict[str, np.ndarray]) -> None:
    """calculate_was_mask: raw-logit weights, background above its mean, rescaled to each logit map's range."""
    cross, self_maps = torch.from_numpy(case["cross"]), torch.from_numpy(case["self"])
    # the authors' self[t, p] is the map over query pixels x of the attention paid to key p: rows = queries
    self_probs = self_maps.reshape(self_maps.shape[0], self_maps.shape[1], -1).transpose(1, 2)  # (T, x, p)
    was = inference_was(cross, self_probs, int(case["out_size"]))
    close(was, case["expected"])
    assert torch.equal(was.argmax(1), torch.from_numpy(case["expected"]).argmax(1))


def test_was_orientation_closed_form() -> None:
    """A self-attention in which every query x attends only to key sigma(x): WAS_k(x) = w_k(sigma(x)).

    Training weights w = softmax over parts of the logits; inference weights = the raw logits with the
    background zeroed where not above its mean (before inference's rescaling).
    """
    generator = torch.Generator().manual_seed(0)
    batch, parts, side = 2, 3, 4
    pixels = side * side
    sigma = torch.randperm(pixels, generator=generator)
    self_probs = torch.zeros(batch, pixels, pixels)
    self_probs[:, torch.arange(pixels), sigma] = 1.0  # row x (a query) puts all its attention on key sigma(x)
    logits = torch.randn(batch, parts, side, side, generator=generator)
    training = was_maps(logits, self_probs).flatten(2)
    torch.testing.assert_close(training, torch.softmax(logits, dim=1).flatten(2)[:, :, sigma])
    raw = InferenceWas.from_maps(logits, self_probs).raw.flatten(2)
    flat = logits.flatten(2)
    background = torch.where(flat[:, 0] > flat[:, 0].mean(-1, keepdim=True), flat[:, 0], 0.0)
    weights = torch.cat([background[:, None], flat[:, 1:]], dim=1)
    torch.testing.assert_close(raw, weights[:, :, sigma])


@pytest.fixture(scope="module")
def tiny_unet() -> UNet2DConditionModel:
    """The tiny SD-architecture UNet of unet_inflated.npz with its random weights."""
    model = shared("unet_inflated.npz")
    unet = UNet2DConditionModel(**json.loads(str(model["config"])))
    weights = {key.removeprefix("weight."): torch.from_numpy(value) for key, value in model.items()
               if key.startswith("weight.")}
    unet.load_state_dict(weights)
    return unet.eval()


@pytest.mark.parametrize("case", cases("unet_inflated.npz"))
def test_inflated_unet(tiny_unet: UNet2DConditionModel, case: dict[str, np.ndarray]) -> None:
    """UNet3DConditionModel.from_pretrained_2d: spatio-temporal self-attention, GroupNorm pooled over frames."""
    store = install_processors(tiny_unet, [], [])
    latents, frames = torch.from_numpy(case["latents"]), case["latents"].shape[0]
    context = torch.from_numpy(case["encoder_hidden_states"])[None].expand(frames, -1, -1)
    with torch.no_grad(), store.video(frames):
        noise = tiny_unet(latents, int(case["t"]), encoder_hidden_states=context).sample
    np.testing.assert_allclose(noise.numpy(), case["expected"], rtol=0, atol=1e-5)
    with torch.no_grad(), store.video(1):  # one frame of the inflated UNet is the 2D UNet
        single = tiny_unet(latents[:1], int(case["t"]), encoder_hidden_states=context[:1]).sample
    with torch.no_grad():
        plain = tiny_unet(latents[:1], int(case["t"]), encoder_hidden_states=context[:1]).sample
    np.testing.assert_allclose(single.numpy(), plain.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("case", cases("train_loss.npz"))
def test_training_loss(case: dict[str, np.ndarray]) -> None:
    """compute_loss: CE + MSE x K + coef_sd LDM + coef_fourier Fourier (the last from epoch 6 on).

    The Fourier term is checked apart (test_fourier_loss_against_plain_float64): its phase differences of
    coefficients that are zero up to rounding are each machine's FFT's choice, so the total is compared within
    the bound that test derives, the other terms to RTOL.
    """
    cross, was = torch.from_numpy(case["cross"])[None], torch.from_numpy(case["was"])[None]
    mask = torch.from_numpy(case["mask"])[None]
    terms = {"ce": cross_entropy_loss(cross, mask), "mse": was_mse_loss(was, mask),
             "ldm": ldm_loss(torch.from_numpy(case["noise_pred"]), torch.from_numpy(case["noise"])),
             "fourier": fourier_loss(was, mask, cutoff=FOURIER_CUTOFF)}
    for name in ("ce", "mse", "ldm"):
        close(terms[name], case[name])
    fourier_bound = fourier_golden_bound(case["was"], case["mask"], float(case["fourier"]))
    assert abs(float(terms["fourier"]) - float(case["fourier"])) <= fourier_bound
    total = combine_losses(terms, epoch=int(case["epoch"]), mse_weight=1.0, ldm_weight=float(case["coef_sd"]),
                           fourier_weight=float(case["coef_fourier"]), fourier_from_epoch=6)
    fourier_weight = float(case["coef_fourier"]) if int(case["epoch"]) >= 6 else 0.0
    assert abs(float(total) - float(case["total"])) <= RTOL * abs(float(case["total"])) + fourier_weight * fourier_bound


# -- the Fourier loss's rounding, bounded analytically ------------------------------------------------------------
# Each coefficient of a float32 2D FFT of N = R x R values is within e = L eta / (1 - L eta) sqrt(N) ||x||_2 of the
# exact one (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Thm 24.2: L = log2 N butterfly
# stages, eta = u + gamma_4 (sqrt 2 + u) with twiddle factors correct to u; Parseval for ||y||_2). A phase is then
# known to asin(e / |z|), unless the rounding can flip a sign it depends on: the sign of the imaginary part next to
# the negative real axis (angle's branch cut), or, for a coefficient the high-pass mask zeroes, the signs of both
# parts (they give the signed zero's phase, 0 or +-pi). Such a coefficient's squared phase difference can be
# anything in [0, 4 pi^2] on another machine: it is counted, not compared.
FOURIER_CUTOFF = 30  # the authors' frequency_loss default (src/frequency_filter.py), as the golden cases ran
FOURIER_WEIGHTS = (1.0, 10.0)  # all-pass ("low-pass") and high-pass terms of frequency_loss
UNIT = 2.0**-24  # float32 unit roundoff
BRANCH = 4 * np.pi**2  # the range of a squared difference of two angles in [-pi, pi]


def _fft_error_bound(maps: np.ndarray) -> np.ndarray:
    """(K, R, R) float inputs -> (K, 1, 1): Higham's bound on any coefficient's error in their float32 2D FFT."""
    size = maps.shape[-2] * maps.shape[-1]
    stages = np.log2(size)
    eta = UNIT + 4 * UNIT / (1 - 4 * UNIT) * (np.sqrt(2) + UNIT)
    norms = np.linalg.norm(maps.reshape(maps.shape[0], -1).astype(np.float64), axis=1)
    return (stages * eta / (1 - stages * eta) * np.sqrt(size) * norms)[:, None, None]


def _plain_spectra(was: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """frequency_loss's spectra written plainly in float64 numpy, with each one's FFT error bound."""
    target = (labels[None] == np.arange(was.shape[0])[:, None, None]).astype(np.float64)
    pred = np.fft.fftshift(np.fft.fft2(was.astype(np.float64)), axes=(-2, -1))
    return pred, np.fft.fftshift(np.fft.fft2(target), axes=(-2, -1)), _fft_error_bound(was), _fft_error_bound(target)


def _flippable(z: np.ndarray, error: np.ndarray, zeroed: np.ndarray) -> np.ndarray:
    """Coefficients whose float32 phase (after the mask) can take another branch: see the block comment above."""
    near_axis = (np.abs(z.imag) <= error) & (z.real < error)
    either_sign = (np.abs(z.real) <= error) | (np.abs(z.imag) <= error)
    return np.where(zeroed, either_sign, near_axis | (np.abs(z) <= error))


def _fourier_terms(was: np.ndarray, labels: np.ndarray):
    """Per mask weight: plain float64 amplitude and phase errors, their float32 rounding bounds, and the flippable
    coefficients (K, R, R)."""
    pred, target, pred_error, target_error = _plain_spectra(was, labels)
    high_pass = high_pass_mask(was.shape[-2:], FOURIER_CUTOFF).numpy().astype(np.complex128)
    for weight, mask in zip(FOURIER_WEIGHTS, (np.ones_like(high_pass), high_pass), strict=True):
        masked_pred, masked_target, zeroed = pred * mask, target * mask, np.broadcast_to(mask == 0, pred.shape)
        amplitude_gap = np.abs(masked_pred) - np.abs(masked_target)
        slack = np.where(zeroed, 0.0, pred_error + target_error + 2 * UNIT * (np.abs(pred) + np.abs(target)))
        slack = slack + UNIT * np.abs(amplitude_gap)
        amplitude_bound = 2 * np.abs(amplitude_gap) * slack + slack**2 + 2 * UNIT * amplitude_gap**2
        phase_gap = np.angle(masked_pred) - np.angle(masked_target)
        angle_error = [np.arcsin(np.minimum(1.0, error / np.maximum(np.abs(z), 1e-300)))
                       for z, error in ((pred, pred_error), (target, target_error))]
        slack = np.where(zeroed, 0.0, angle_error[0] + angle_error[1] + 4 * np.pi * UNIT)
        phase_bound = 2 * np.abs(phase_gap) * slack + slack**2 + 2 * UNIT * phase_gap**2
        flippable = _flippable(pred, pred_error, zeroed) | _flippable(target, target_error, zeroed)
        yield weight, mask, amplitude_gap**2, amplitude_bound, phase_gap**2, phase_bound, flippable


def fourier_golden_bound(was: np.ndarray, labels: np.ndarray, golden: float) -> float:
    """How far two correct float32 computations of frequency_loss (one map set, B = 1) can lie apart: each within
    the rounding bounds of the coefficients whose phase is stable, the flippable ones anywhere in [0, 4 pi^2] each,
    and the cascade sums' rounding (gamma_{log2 N + 1} of the total) and the golden value's own."""
    size = was.shape[-2] * was.shape[-1]
    spread = 0.0
    for weight, _, _, amplitude_bound, _, phase_bound, flippable in _fourier_terms(was, labels):
        stable_rounding = amplitude_bound.sum() + np.where(flippable, 0.0, phase_bound).sum()
        spread += weight * (2 * stable_rounding + BRANCH * flippable.sum()) / size
    return spread + (2 * (np.log2(size) + 1) * UNIT + UNIT) * abs(golden)


@pytest.mark.parametrize("case", cases("train_loss.npz"))
def test_fourier_loss_against_plain_float64(case: dict[str, np.ndarray]) -> None:
    """frequency_loss coefficient by coefficient against the same equation in float64 numpy: the spectra within
    Higham's FFT bound, every squared amplitude difference and every stable squared phase difference within its
    float32 rounding bound (block comment above); the flippable coefficients are counted and bounded in
    fourier_golden_bound, which the total against the golden value must meet (test_training_loss)."""
    was, labels = torch.from_numpy(case["was"])[None], torch.from_numpy(case["mask"])[None]
    pred32, target32 = centred_spectra(was, labels)
    pred, target, pred_error, target_error = _plain_spectra(case["was"], case["mask"])
    assert (np.abs(pred32[0].numpy() - pred) <= pred_error).all()
    assert (np.abs(target32[0].numpy() - target) <= target_error).all()
    flipped, plain_total, rounding = 0, 0.0, 0.0
    for weight, mask, amplitude, amplitude_bound, phase, phase_bound, flippable in _fourier_terms(
            case["was"], case["mask"]):
        ours_amplitude, ours_phase = (t[0].numpy().astype(np.float64) for t in spectrum_errors(
            pred32, target32, torch.from_numpy(mask).to(torch.complex64)))
        assert (np.abs(ours_amplitude - amplitude) <= amplitude_bound).all()
        assert (np.abs(ours_phase - phase) <= phase_bound)[~flippable].all()
        flipped += int(flippable.sum())
        # the whole equation (weights, means, sum over parts) in float64, taking this machine's flippable phases
        plain_total += weight * (amplitude + np.where(flippable, ours_phase, phase)).mean(axis=(-2, -1)).sum()
        rounding += weight * (amplitude_bound + np.where(flippable, 0.0, phase_bound)).mean(axis=(-2, -1)).sum()
    assert 0 < flipped < 2 * case["was"].size  # zeros by symmetry exist (one-hot targets); most phases are stable
    ours = float(fourier_loss(was, labels, cutoff=FOURIER_CUTOFF))
    assert abs(ours - plain_total) <= rounding + 2 * (np.log2(case["was"][0].size) + 1) * UNIT * plain_total


# float32 sums of at most R^2 terms (the WAS of a cell, its backward): gamma_{R^2} = R^2 u of the summands, 3.8e-6
# at R = 8, twice (forward and backward); the authors' own float32 against float64 on these cases: <= 2.5e-6
# (tests/authors/measure_train_floor.py)
SMOOTH_GRADIENT = 1e-5


@pytest.mark.parametrize("case", cases("train_loss_grad.npz"))
def test_training_loss_gradient_without_fourier(case: dict[str, np.ndarray]) -> None:
    """training_step's maps to compute_loss, differentiated: the gradients of loss_scale x (CE + MSE x K) w.r.t.
    the cross-attention logits, the self-attention maps and the WAS built from them, against the authors' code
    run in float64 on the maps of train_step.npz. The Fourier term is left out here: its phases are discontinuous
    at zero coefficients and its gradient jumps by up to 8e-2 between float32 and float64 in their own code
    (tests/test_fidelity_e2e.py checks the whole step at that floor); the rest of the loss is smooth."""
    size = int(case["R"])
    cross = torch.tensor(case["cross_logits"][None], requires_grad=True)
    self_probs = torch.tensor(case["self_maps"].reshape(size * size, size * size).T[None].copy(), requires_grad=True)
    was = was_maps(cross, self_probs)
    was.retain_grad()
    labels = torch.from_numpy(case["mask"])[None]
    np.testing.assert_array_equal(F.one_hot(labels[0], cross.shape[1]).permute(2, 0, 1).numpy(), case["one_hot"])
    loss = float(case["loss_scale"]) * (cross_entropy_loss(cross, labels) + was_mse_loss(was, labels))
    loss.backward()
    self_grad = self_probs.grad[0].T.reshape(case["grad_self_maps"].shape)  # back to their [key p][query x]
    for ours, name in [(cross.grad[0], "grad_cross_logits"), (self_grad, "grad_self_maps"), (was.grad[0], "grad_was")]:
        close(ours, case[name], rtol=SMOOTH_GRADIENT)


@pytest.mark.parametrize("case", cases("metrics.npz"))
def test_video_metrics(case: dict[str, np.ndarray]) -> None:
    """calculate_metrics: F and J over the parts present anywhere in the video; mIoU and per-part IoU."""
    parts = int(case["parts"])
    scores = score_video(dict(enumerate(case["pred"])), dict(enumerate(case["gt"])), parts)
    close(scores["F"], case["F"])
    close(scores["J"], case["J"])
    close(scores["mIoU"], case["mIoU"])
    per_part = [scores["per_part"][str(k)]["IoU"] or 0.0 for k in range(parts)]
    close(np.array(per_part), case["per_part"])


def test_paper_config_resolves_to_the_authors_values() -> None:
    """config/paper.yaml, resolved per SMITE-50 category, computes with the authors' values (docs/fidelity.md)."""
    from smite.config import method_settings, read_yaml
    from smite.plan import collections, group_overrides
    from smite.settings_views import settings_mapping

    run = read_yaml(Path(__file__).parents[1] / "config" / "paper.yaml")
    groups = collections(run)["smite50"]
    authors_inference = {
        "reference_timesteps": [95, 104], "window": 16, "overlap": 8, "window_unguided": 18,
        "schedule_steps": 1000, "guided_timesteps": 4, "timestep_shift": 100, "guided_updates": 3,
        "updates_per_step": 15, "guidance_slice": 4, "guidance_lr": 10.0, "adam_beta1": 0.9, "adam_beta2": 0.999,
        "adam_eps": 1e-5, "lambda_reg": 8.0, "vote_window": 15, "lowpass_spatial": 0.4,
        "lowpass_spatial_first": 0.999, "tracker": "cotracker3", "refinement": "hierarchical",
    }
    authors_train = {
        "mode": "two-phase", "epochs": 300, "phase1_epochs": 51, "embedding_lr": 0.1, "cross_attention_lr": 1e-6,
        "phase2_train_embeddings": False, "mse_weight": 1.0, "ldm_weight": 0.005, "fourier_weight": 0.001,
        "fourier_from_epoch": 6, "fourier_cutoff": 30, "min_timestep": 5, "max_timestep": 100,
        "val_min_timestep": 95, "val_max_timestep": 105,
    }
    assert run["shots"] == 10  # paper 7.5: 10 reference images per category
    crop_ratio = {"car": 0.6, "face": 0.6, "horse": 0.8, "non-text": 0.6}  # scripts/configs/*.sh min_crop_ratio
    assert set(groups) == set(crop_ratio)
    for name, group in groups.items():
        method = settings_mapping(method_settings(group_overrides(run.get("method"), group)))
        assert (method["backbone"]["name"], method["precision"]) == ("sd21", "fp16")
        assert {k: method["inference"][k] for k in authors_inference} == authors_inference, name
        assert {k: method["train"][k] for k in authors_train} == authors_train, name
        assert method["train"]["augment"]["crop_min_ratio"] == crop_ratio[name]
        assert method["train"]["augment"]["rotate_limit"] == (10 if name == "face" else 30)  # utils/dataset.py
        # get_crop_coords_if_needed: 2 x 2 crops of 450 of 512 px where the dataset name holds "face"
        assert (method["inference"]["tiles"], method["inference"]["tile_size"]) == (2 if name == "face" else 1,
                                                                                    450 / 512)
        assert (method["inference"]["posterior"], method["train"]["posterior"]) == ("sample", "sample")
        assert method["train"]["ldm_guidance_scale"] == 100  # scripts/common/common_train_params.sh
        assert (method["train"]["loss_scale"], method["train"]["grad_clip_norm"]) == (0.01, 1000)
    # the paper's reading is one switch away: 7 frames for horses (paper 7.5)
    paper_groups = collections({**run, "paper_vote_windows": True})["smite50"]
    assert paper_groups["horse"].overrides["inference"]["vote_window"] == 7


def test_released_config_resolves_to_the_released_weights() -> None:
    """config/authors_released.yaml: config/paper.yaml with the authors' category scripts as released (track and
    regularisation weights 0 in every scripts/configs/*.sh) on the two-pass flow; everything else the paper run's."""
    from smite.config import method_settings, read_yaml, resolve_run_config
    from smite.plan import collections, group_overrides
    from smite.settings_views import settings_mapping

    root = Path(__file__).parents[1]
    released = resolve_run_config(read_yaml(root / "config" / "authors_released.yaml"))
    paper = resolve_run_config(read_yaml(root / "config" / "paper.yaml"))
    released_groups, paper_groups = collections(released)["smite50"], collections(paper)["smite50"]
    assert set(released_groups) == set(paper_groups) == {"car", "face", "horse", "non-text"}
    for name in released_groups:
        ours = settings_mapping(method_settings(group_overrides(released.get("method"), released_groups[name])))
        theirs = settings_mapping(method_settings(group_overrides(paper.get("method"), paper_groups[name])))
        assert (ours["inference"]["lambda_track"], ours["inference"]["lambda_reg"]) == (0.0, 0.0), name
        assert theirs["inference"]["lambda_track"] > 0 and theirs["inference"]["lambda_reg"] == 8.0, name
        assert ours["inference"]["refinement"] == theirs["inference"]["refinement"] == "hierarchical"
        for section in ("train", "backbone"):
            assert ours[section] == theirs[section], (name, section)
        rest = {k: v for k, v in ours["inference"].items() if k not in ("lambda_track", "lambda_reg")}
        assert rest == {k: v for k, v in theirs["inference"].items() if k not in ("lambda_track", "lambda_reg")}

"""The methods the pipeline computes: one registry that inference, the DAG, the tables and the command read.

Adding a variant is one `Method` line here (and its reported numbers in config/literature.csv, if the paper
has them); the run config's method lists are checked against this registry by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smite.energies import ENERGIES, VOTE, reads
from smite.passes import PASSES, VIDEO, WINDOW


@dataclass(frozen=True)
class Method:
    """A segmentation method: its names, the checkpoint it needs, and what it does at inference.

    `inflated`: the UNet sees a window of frames (paper 4.1); `passes`: what its inference runs, in order
    (smite.passes.PASSES: "reference", the single forward; "guided", the guided timesteps; "vote", per-frame maps
    voted along the trajectories afterwards, Baseline-II); `energies`: what its guided pass descends
    (smite.energies.ENERGIES: "track", eq. 5, 4.3; "reg", the low-pass regulariser, eq. 6, 4.4). GSAM2 runs none of
    these passes: it runs smite.gsam2, untrained.
    """

    name: str  # key in run configs, paths and metrics files
    display: str  # row name in Tables 1 and 4 (and 6)
    training_mode: str  # the checkpoint it segments with by default; "text" = none (prompted by part names)
    literature_key: str  # its rows' key in config/literature.csv
    ablation_step: str | None = None  # its step in Table 2's ladder, if it is one
    in_table1: bool = True  # a row of Tables 1 and 4 (the ladder's intermediate steps are not)
    public: bool = False  # offered by `smite segment --method`
    inflated: bool = False
    passes: tuple[str, ...] = ("reference",)
    energies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [name for name in self.passes if name not in PASSES] + [
            name for name in self.energies if name not in ENERGIES]
        if unknown:
            raise ValueError(f"method {self.name}: {unknown} are not in PASSES or ENERGIES")
        if self.diffusion and (not self.passes or PASSES[self.passes[0]].scope != WINDOW):
            raise ValueError(f"method {self.name}: its first pass must be a window pass")
        if self.guidance != bool(self.energies):
            raise ValueError(f"method {self.name}: energies are what a guided pass descends; name both or neither")
        if self.passes and PASSES[self.passes[0]].descends:
            raise ValueError(f"method {self.name}: a guided pass starts from the maps of a pass before it (S_ref)")
        if self.guidance and not self.inflated:
            raise ValueError(f"method {self.name}: the guided pass runs on windows of the inflated UNet")
        if len([p for p in self.passes if self._pass_tracks(p)]) > 1:
            raise ValueError(f"method {self.name}: at most one of its passes may read trajectories")

    @property
    def guidance(self) -> bool:
        """Guided windows (latent updates) rather than one forward per window."""
        return any(PASSES[name].descends for name in self.passes)

    @property
    def video_passes(self) -> tuple[str, ...]:
        """Its passes over the whole video's maps, after the windows."""
        return tuple(name for name in self.passes if PASSES[name].scope == VIDEO)

    def _pass_tracks(self, name: str) -> str | None:
        kind = PASSES[name]
        return kind.tracks if not kind.descends or reads(self.energies, VOTE) else None

    @property
    def track_use(self) -> str | None:
        """Which trajectories it reads (smite.track.plan): its windows' clips when an energy it descends reads the
        voted labels, each frame's voting range over the video when it votes afterwards, none otherwise."""
        return next((use for use in map(self._pass_tracks, self.passes) if use), None)

    @property
    def needs_tracks(self) -> bool:
        return self.track_use is not None

    @property
    def diffusion(self) -> bool:
        """Segments with a trained diffusion model (smite.segment); GSAM2 does not."""
        return self.training_mode != TEXT


TEXT = "text"
GUIDED = ("reference", "guided")  # the reference pass gives S_ref, the guided pass the output
TRAINING_MODES = ("embeddings", "two-phase", "joint")  # smite.learn.train: SLiMe's, the paper's, Table 8's

# In the paper's row order: Tables 1 and 4 list baseline1, baseline2, baseline3, gsam2, smite; Table 2's ladder
# goes baseline1, baseline3, smite_ca, smite_track, smite.
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("baseline1", "Baseline-I", "embeddings", "baseline1", "Baseline I (SLiMe)", public=True),
    Method("baseline2", "Baseline-II", "embeddings", "baseline2", public=True, passes=("reference", "vote")),
    Method("baseline3", "Baseline-III", "embeddings", "baseline3", "+IUNet (Baseline III)", public=True,
           inflated=True),
    Method("gsam2", "GSAM2", TEXT, "gsam2", passes=()),
    Method("smite_ca", "SMITE (cross-attention tuning only)", "two-phase", "ca_tuning", "+CA Tuning",
           in_table1=False, inflated=True),
    Method("smite_track", "SMITE (without low-pass regulariser)", "two-phase", "tracking", "+Tracking",
           in_table1=False, inflated=True, passes=GUIDED, energies=("track",)),
    Method("smite", "SMITE (ours)", "two-phase", "smite", "+LP Reg (SMITE)", public=True, inflated=True,
           passes=GUIDED, energies=("track", "reg")),
)}
DIFFUSION_METHODS = {name: m for name, m in METHODS.items() if m.diffusion}
PUBLIC_METHODS = [name for name, m in METHODS.items() if m.public]


def method_folder(job: str | Path, method: str) -> Path:
    """One method's folder inside a segmentation job's folder: a job segments a video with one checkpoint by
    every method planned for them (smite.plan.SEGMENT_PATH)."""
    return Path(job) / method

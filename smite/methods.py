"""The methods the pipeline computes: one registry that inference, the DAG, the tables and the command read.

Adding a variant is one `Method` line here (and its reported numbers in config/literature.csv, if the paper
has them); the run config's method lists are checked against this registry by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Method:
    """A segmentation method: its names, the checkpoint it needs, and what it does at inference.

    `inflated`: the UNet sees a window of frames (paper 4.1); `energies`: the guidance energies its latent
    updates descend (smite.guide.ENERGIES: "track", eq. 5, 4.3; "reg", the low-pass regulariser, eq. 6, 4.4);
    `posthoc_vote`: per-frame labels voted along the trajectories afterwards (Baseline-II). GSAM2 is none of
    these: it runs smite.gsam2, untrained.
    """

    name: str  # key in run configs, paths and metrics files
    display: str  # row name in Tables 1 and 4 (and 6)
    training_mode: str  # the checkpoint it segments with by default; "text" = none (prompted by part names)
    literature_key: str  # its rows' key in config/literature.csv
    ablation_step: str | None = None  # its step in Table 2's ladder, if it is one
    in_table1: bool = True  # a row of Tables 1 and 4 (the ladder's intermediate steps are not)
    public: bool = False  # offered by `smite segment --method`
    inflated: bool = False
    energies: tuple[str, ...] = ()
    posthoc_vote: bool = False

    @property
    def guidance(self) -> bool:
        """Guided windows (latent updates) rather than one forward per window."""
        return bool(self.energies)

    @property
    def needs_tracks(self) -> bool:
        return self.guidance or self.posthoc_vote

    @property
    def track_use(self) -> str | None:
        """Which trajectories it reads (smite.track.plan): its windows' clips when guided, each frame's voting range
        over the video when it votes afterwards, none otherwise."""
        return "windows" if self.guidance else "video" if self.posthoc_vote else None

    @property
    def diffusion(self) -> bool:
        """Segments with a trained diffusion model (smite.segment); GSAM2 does not."""
        return self.training_mode != TEXT


TEXT = "text"
TRAINING_MODES = ("embeddings", "two-phase", "joint")  # smite.learn.train: SLiMe's, the paper's, Table 8's

# In the paper's row order: Tables 1 and 4 list baseline1, baseline2, baseline3, gsam2, smite; Table 2's ladder
# goes baseline1, baseline3, smite_ca, smite_track, smite.
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("baseline1", "Baseline-I", "embeddings", "baseline1", "Baseline I (SLiMe)", public=True),
    Method("baseline2", "Baseline-II", "embeddings", "baseline2", public=True, posthoc_vote=True),
    Method("baseline3", "Baseline-III", "embeddings", "baseline3", "+IUNet (Baseline III)", public=True,
           inflated=True),
    Method("gsam2", "GSAM2", TEXT, "gsam2"),
    Method("smite_ca", "SMITE (cross-attention tuning only)", "two-phase", "ca_tuning", "+CA Tuning",
           in_table1=False, inflated=True),
    Method("smite_track", "SMITE (without low-pass regulariser)", "two-phase", "tracking", "+Tracking",
           in_table1=False, inflated=True, energies=("track",)),
    Method("smite", "SMITE (ours)", "two-phase", "smite", "+LP Reg (SMITE)", public=True, inflated=True,
           energies=("track", "reg")),
)}
DIFFUSION_METHODS = {name: m for name, m in METHODS.items() if m.diffusion}
PUBLIC_METHODS = [name for name, m in METHODS.items() if m.public]


def method_folder(job: str | Path, method: str) -> Path:
    """One method's folder inside a segmentation job's folder: a job segments a video with one checkpoint by
    every method planned for them (smite.plan.SEGMENT_PATH)."""
    return Path(job) / method

"""Video segmentation: the SMITE method and its baselines, and the outputs a practitioner uses.

Methods (paper section 5, Table 2), each a `smite.methods.Method` naming the passes it runs:
* ``baseline1``: SLiMe per frame (2D UNet, the reference pass at t ~ U[95, 104]);
* ``baseline2``: Baseline-I plus the vote along the trajectories applied to its WAS maps afterwards (the paper's
  Fig. 12 applies the tracker to S_WAS in post-processing, which is what runs here);
* ``baseline3``: SLiMe with the inflated UNet (windows of frames, the reference pass);
* ``smite_ca``: + cross-attention tuning (two-phase checkpoint), no guidance (Table 2 step);
* ``smite_track``: + the guided pass with the tracking energy only (Table 2 step);
* ``smite``: + the low-pass regulariser: the full method.

Rooms: `passes` (the reference pass, the guided pass with its scheduler and energies, the post-hoc vote),
`streamer` (windows, views, tiles, buffers and their release), `segmenter` (a method's passes over a video),
`outputs` (what a segmentation writes), `small_objects` (the paper's crop refinement); the authors' two-pass flow
around a Segmenter is smite.hierarchical.
"""

from smite.segment.outputs import Labelled, OutputWriter, label_dtype, write_outputs
from smite.segment.segmenter import Segmenter, as_weighted, segment_frames
from smite.segment.small_objects import foreground_box, paste, refine_small_objects
from smite.segment.streamer import Was

__all__ = [
    "Labelled",
    "OutputWriter",
    "Segmenter",
    "Was",
    "as_weighted",
    "foreground_box",
    "label_dtype",
    "paste",
    "refine_small_objects",
    "segment_frames",
    "write_outputs",
]

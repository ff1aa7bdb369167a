"""The GSAM2 baseline (paper §5, Tables 1 and 4): Grounded-SAM-2 on a video, through `transformers`.

Grounding DINO finds one box per part name on the prompt frame; SAM 2 tracks each box through the video as
its own object; the per-part mask logits become one label map per frame. This follows the Grounded-SAM-2
video demo (IDEA-Research/Grounded-SAM-2, grounded_sam2_tracking_demo.py: Grounding DINO from the hub,
text "name." lower-case, boxes of frame 0 given to the SAM 2.1 video predictor, propagate_in_video, mask
logits > 0). Deviations, one line each:

* one box per part (the best-scoring one), not one object per box: a part is one label, not instances;
* a box belongs to the part whose token span it grounds most strongly (mean token probability over the span, as
  Grounding DINO's COCO evaluation maps tokens to classes), among the parts its above-text_threshold phrase names;
* overlapping masks: the pixel goes to the highest positive logit (the demo only draws them one over another);
* SAM 2's input is resized and normalised here (bilinear, antialiased, ImageNet statistics, as transformers'
  Sam2VideoVideoProcessor), since its processors need torchvision, which this project does not install;
* no hole filling of the low-resolution masks (the original's optional fill_hole_area=8 needs its CUDA extension);
* Grounding DINO runs in fp32 (one frame per video); the demo runs everything under bf16 autocast on CUDA;
* with prompt_frame > 0, frames before it are tracked backwards (the demo only propagates forwards from frame 0).

Modules: ``models`` (the pair), ``loading``, ``grounding``, ``propagation``, ``video`` (the whole baseline) and
``tiny`` (the small random pair).
"""

from smite.gsam2.grounding import assign_boxes, build_caption, ground_parts, part_prompt, token_spans
from smite.gsam2.loading import load_gsam2
from smite.gsam2.models import Detection, GSAM2Models
from smite.gsam2.propagation import add_box_prompts, combine_part_logits, sam2_pixels, track_parts
from smite.gsam2.tiny import build_tiny_gsam2, build_tiny_tokenizer
from smite.gsam2.video import run_gsam2_video, segment_gsam2
from smite.settings import TINY_RANDOM

__all__ = [
    "TINY_RANDOM",
    "Detection",
    "GSAM2Models",
    "add_box_prompts",
    "assign_boxes",
    "build_caption",
    "build_tiny_gsam2",
    "build_tiny_tokenizer",
    "combine_part_logits",
    "ground_parts",
    "load_gsam2",
    "part_prompt",
    "run_gsam2_video",
    "sam2_pixels",
    "segment_gsam2",
    "token_spans",
    "track_parts",
]

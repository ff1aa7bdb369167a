"""SMITE: few-shot video part segmentation with a pretrained diffusion model.

Reproduction of "SMITE: Segment Me In Time" (Alimohammadi et al., ICLR 2025) as a library,
a ``smite`` command and a Snakemake pipeline.
"""

__version__ = "0.1.0"

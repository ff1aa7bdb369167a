"""Tiles: the overlapping square crops the authors compute the WAS on for face videos (no torch here).

`utils/setup.py: get_crop_coords_if_needed` gives face datasets a 2 x 2 grid of 450-px crops of the 512-px
model input (`utils/image_processing.py: get_crops_coords`); each crop is resized to the model's size, segmented
on its own, and the crops' WAS maps are averaged where they overlap (`calculate_multi_was_mask`).
"""

from __future__ import annotations

Box = tuple[int, int, int, int]  # top, bottom, left, right (exclusive ends)


def tile_boxes(side: int, tiles: int, tile_size: float) -> list[Box]:
    """The authors' get_crops_coords([side, side], int(tile_size * side), tiles): row-major, evenly stepped."""
    size = int(tile_size * side)
    step = 0 if tiles == 1 else (side - size) // (tiles - 1)
    return [(i * step, i * step + size, j * step, j * step + size) for i in range(tiles) for j in range(tiles)]


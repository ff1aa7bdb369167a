"""Learning: augmentations, losses, two-phase training, checkpoints."""

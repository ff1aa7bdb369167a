"""The small randomly initialised Grounding DINO and SAM 2 pair (`gsam2.models: tiny-random`): offline wiring runs
of the baseline, never its numbers."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import torch
from transformers import (
    BertTokenizerFast,
    GroundingDinoConfig,
    GroundingDinoForObjectDetection,
    GroundingDinoImageProcessorPil,
    GroundingDinoProcessor,
    Sam2HieraDetConfig,
    Sam2VideoConfig,
    Sam2VideoModel,
    Sam2VisionConfig,
    SwinConfig,
)

from smite.gsam2.models import GSAM2Models
from smite.settings import TINY_RANDOM


# -- the small random pair -------------------------------------------------------------------------------------
def build_tiny_tokenizer(max_length: int = 64) -> BertTokenizerFast:
    """A BERT WordPiece tokenizer over single characters (no download): any lower-case name splits into letters."""
    pieces = list(string.ascii_lowercase + string.digits)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *string.punctuation, *pieces, *(f"##{p}" for p in pieces)]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "vocab.txt").write_text("\n".join(vocab) + "\n")
        return BertTokenizerFast.from_pretrained(folder, model_max_length=max_length)  # a temp folder: no revision


def build_tiny_gsam2(seed: int = 0, image_size: int = 64) -> GSAM2Models:
    """Grounding DINO and SAM 2 video with tiny configs and random weights, built in-process from `seed`.

    Same classes and code paths as the real models; the masks mean nothing. For offline tests and wiring runs.
    """
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        tokenizer = build_tiny_tokenizer()
        grounding = GroundingDinoForObjectDetection(_tiny_grounding_config(len(tokenizer), image_size))
        sam2 = Sam2VideoModel(_tiny_sam2_config(image_size))
    finally:
        torch.random.set_rng_state(state)
    image_processor = GroundingDinoImageProcessorPil(size={"shortest_edge": image_size,
                                                           "longest_edge": image_size * 3 // 2})
    return GSAM2Models(
        grounding_processor=GroundingDinoProcessor(image_processor=image_processor, tokenizer=tokenizer),
        grounding_model=grounding.eval(),
        sam2_model=sam2.eval(),
        identity={"grounding_model": TINY_RANDOM, "sam2_model": TINY_RANDOM, "seed": str(seed)},
    )


def _tiny_grounding_config(vocab_size: int, image_size: int) -> GroundingDinoConfig:
    swin = SwinConfig(window_size=4, embed_dim=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], image_size=image_size,
                      out_indices=[2, 3, 4])
    text = {"model_type": "bert", "vocab_size": vocab_size, "hidden_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64}
    # two decoder layers: the box heads of layers > 0 are tied to layer 0's
    return GroundingDinoConfig(backbone_config=swin, text_config=text, d_model=32, encoder_layers=1, decoder_layers=2,
                               encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                               decoder_ffn_dim=32, num_queries=10, num_feature_levels=3, encoder_n_points=2,
                               decoder_n_points=2, max_text_len=64)


def _tiny_sam2_config(image_size: int) -> Sam2VideoConfig:
    """Hiera with 4 stages at strides 4-32; hidden 128 > memory 64 (transformers' pointer split needs mem < hidden,
    and its memory cross-attention expects 64 memory channels)."""
    grid = image_size // 4
    hiera = Sam2HieraDetConfig(
        hidden_size=16, image_size=[image_size, image_size], blocks_per_stage=[1, 1, 2, 1],
        embed_dim_per_stage=[16, 32, 64, 128], num_attention_heads_per_stage=[1, 1, 1, 1],
        window_size_per_stage=[4, 4, 4, 2], global_attention_blocks=[3],  # not a pooling block (transformers needs)
        window_positional_embedding_background_size=[2, 2],
    )
    vision = Sam2VisionConfig(backbone_config=hiera, backbone_channel_list=[128, 64, 32, 16], fpn_hidden_size=128,
                              backbone_feature_sizes=[[grid, grid], [grid // 2, grid // 2], [grid // 4, grid // 4]])
    return Sam2VideoConfig(
        vision_config=vision, image_size=image_size, num_maskmem=3,
        prompt_encoder_config={"hidden_size": 128, "image_size": image_size, "patch_size": 16},
        mask_decoder_config={"hidden_size": 128, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
        memory_attention_hidden_size=128, memory_attention_num_layers=1, memory_attention_feed_forward_hidden_size=64,
        memory_attention_rope_feat_sizes=[grid // 4, grid // 4], memory_encoder_hidden_size=128,
        memory_encoder_output_channels=64, mask_downsampler_embed_dim=128, memory_fuser_embed_dim=128,
        memory_fuser_intermediate_dim=64,
    )

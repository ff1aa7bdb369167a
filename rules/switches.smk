# Table R: SMITE with one code-vs-paper switch flipped at a time (smite.switches), on the SMITE-50 videos of config
# `table_r`. Training switches train a checkpoint of their own; the others segment with SMITE's.


rule train_switched:
    """A checkpoint trained with one training switch flipped."""
    input:
        derived_references,
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=collection_manifest,
    output:
        checkpoint=f"{RESULTS}/{SWITCH_CHECKPOINT_PATH}",
    params:
        references=references_for,
        parts=group_parts,
        overrides=switch_train_overrides,
    log:
        f"{RESULTS}/logs/train_switched/{{collection}}/{{group}}/{{switch}}/{{mode}}_{{shots}}shot.log",
    benchmark:
        f"{RESULTS}/{SWITCH_TRAIN_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    priority: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/train.py"


rule segment_switched:
    """One video segmented by SMITE with one switch flipped (its checkpoint, or SMITE's for an inference switch)."""
    input:
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=collection_manifest,
        checkpoint=switch_checkpoint,
        tracks=tracks_for,
    output:
        directory(f"{RESULTS}/{SWITCH_SEGMENT_JOB_PATH}"),
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        overrides=switch_segment_overrides,
        methods=["smite"],
    log:
        f"{RESULTS}/logs/segment_switched/{{collection}}/{{switch}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/{SWITCH_SEGMENT_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/segment_video.py"


use rule evaluate_video as evaluate_switched with:
    input:
        manifest=collection_manifest,
        prediction=switch_segmentation,
        ground_truth=f"{RESULTS}/{GROUND_TRUTH_PATH}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/{SWITCH_METRICS_PATH}",
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        parts=group_parts,
        setting=switch_setting,
        overrides=switch_segment_overrides,
    log:
        f"{RESULTS}/logs/evaluate_switched/{{collection}}/{{switch}}/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/{SWITCH_EVALUATE_BENCHMARK_PATH}"

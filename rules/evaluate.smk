rule evaluate_video:
    """mIoU / J / F on the scored frames (SMITE-50 rules) and flicker along the cached trajectories."""
    input:
        manifest=collection_manifest,
        prediction=segmentation_job,
        ground_truth=f"{RESULTS}/{GROUND_TRUTH_PATH}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/{METRICS_PATH}",
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        parts=group_parts,
        setting=video_setting,
        overrides=segment_overrides,  # inference.score_size: the size the segmentation's labels are scored at
    log:
        f"{RESULTS}/logs/evaluate/{{collection}}/{{method}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/{EVALUATE_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/evaluate_video.py"


use rule evaluate_video as evaluate_gsam2 with:
    input:
        manifest=collection_manifest,
        prediction=f"{RESULTS}/{GSAM2_SEGMENT_JOB_PATH}",
        ground_truth=f"{RESULTS}/{GROUND_TRUTH_PATH}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/{GSAM2_METRICS_PATH}",
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        parts=group_parts,
        setting=GSAM2_SETTING,
        overrides=segment_overrides,
    log:
        f"{RESULTS}/logs/evaluate/{{collection}}/{GSAM2_RUN}/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/{{collection}}/{GSAM2_RUN}/{{group}}/{{video}}.tsv"


rule evaluate_images:
    """Per-part IoU of one class's predicted test masks against PASCAL-Part ground truth."""
    input:
        manifest=lambda wildcards: manifest("pascal_part"),
        prediction=f"{RESULTS}/{IMAGES_SEGMENT_PATH}",
    output:
        metrics=f"{RESULTS}/{IMAGES_METRICS_PATH}",
    params:
        root=lambda wildcards: DATASETS["pascal_part"]["root"],
        split=lambda wildcards: DATASETS["pascal_part"]["test_split"],
        parts=pascal_class_parts,
    log:
        f"{RESULTS}/logs/evaluate/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/evaluate_images.py"

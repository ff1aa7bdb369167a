rule segment_video:
    """One video segmented with one checkpoint by every method the run plans for them: masks, overlay and parts
    legend per method (the model is loaded once)."""
    input:
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=collection_manifest,
        checkpoint=checkpoint_for,
        tracks=tracks_for,
    output:
        directory(f"{RESULTS}/{SEGMENT_JOB_PATH}"),
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        overrides=segment_overrides,
        methods=job_methods,
    log:
        f"{RESULTS}/logs/segment/{{collection}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/{SEGMENT_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/segment_video.py"


rule segment_gsam2:
    """GSAM2 baseline: Grounding DINO boxes from the part names on one frame, SAM2 propagation (paper 5)."""
    input:
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=collection_manifest,
    output:
        directory(f"{RESULTS}/{GSAM2_SEGMENT_JOB_PATH}"),
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        parts=group_parts,
        overrides=gsam2_overrides,
    log:
        f"{RESULTS}/logs/segment/{{collection}}/{GSAM2_RUN}/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/segment/{{collection}}/{GSAM2_RUN}/{{group}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=16000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/segment_gsam2.py"


rule segment_images:
    """PASCAL-Part image segmentation of one class's test split by one trained model (Tables 11-12)."""
    input:
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=lambda wildcards: manifest("pascal_part"),
        checkpoint=f"{RESULTS}/{PASCAL_CHECKPOINT}",
    output:
        directory(f"{RESULTS}/{IMAGES_SEGMENT_PATH}"),
    params:
        root=lambda wildcards: DATASETS["pascal_part"]["root"],
        split=lambda wildcards: DATASETS["pascal_part"]["test_split"],
        parts=pascal_class_parts,
        overrides=run_segment_overrides,
    log:
        f"{RESULTS}/logs/segment/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/segment/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/segment_images.py"

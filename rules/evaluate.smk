rule evaluate_video:
    """mIoU / J / F on the scored frames (SMITE-50 rules) and flicker along the cached trajectories."""
    input:
        manifest=collection_manifest,
        prediction=f"{RESULTS}/segment/{{collection}}/{{method}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}",
        ground_truth=f"{RESULTS}/ground_truth/{{collection}}/{{group}}/{{video}}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/metrics/{{collection}}/{{method}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.json",
    params:
        root=collection_root,
        parts=group_parts,
    log:
        f"{RESULTS}/logs/evaluate/{{collection}}/{{method}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/{{collection}}/{{method}}/{{mode}}_{{shots}}shot/{{group}}/{{video}}.tsv"
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
        prediction=f"{RESULTS}/segment/{{collection}}/gsam2/text_0shot/{{group}}/{{video}}",
        ground_truth=f"{RESULTS}/ground_truth/{{collection}}/{{group}}/{{video}}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/metrics/{{collection}}/gsam2/text_0shot/{{group}}/{{video}}.json",
    log:
        f"{RESULTS}/logs/evaluate/{{collection}}/gsam2/text_0shot/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/{{collection}}/gsam2/text_0shot/{{group}}/{{video}}.tsv"


rule evaluate_images:
    """Per-part IoU of one class's predicted test masks against PASCAL-Part ground truth."""
    input:
        manifest=lambda wildcards: manifest("pascal_part"),
        prediction=f"{RESULTS}/segment/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}",
    output:
        metrics=f"{RESULTS}/metrics/pascal_part/{{method}}/{{mode}}_{{shots}}shot/{{cls}}.json",
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

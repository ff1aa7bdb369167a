rule evaluate_video:
    """mIoU / J / F on the annotated frames (SMITE-50 rules) and flicker along the cached trajectories."""
    input:
        manifest=f"{DATA_ROOT}/manifest.json",
        prediction=f"{RESULTS}/segment/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}",
        ground_truth=f"{RESULTS}/ground_truth/{{category}}/{{video}}",
        tracks=tracks_for,
    output:
        metrics=f"{RESULTS}/metrics/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}.json",
    params:
        root=dataset_root,
        parts=lambda wildcards: config["dataset"]["categories"][wildcards.category]["parts"],
    log:
        f"{RESULTS}/logs/evaluate/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/evaluate_video.py"

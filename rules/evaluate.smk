rule evaluate_video:
    """mIoU / J / F of one video's masks on its annotated frames (SMITE-50 rules)."""
    input:
        prediction=f"{RESULTS}/segment/{{method}}/{{category}}/{{video}}",
        ground_truth=f"{RESULTS}/ground_truth/{{category}}/{{video}}",
    output:
        metrics=f"{RESULTS}/metrics/{{method}}/{{category}}/{{video}}.json",
    params:
        parts=lambda wildcards: config["dataset"]["categories"][wildcards.category]["parts"],
    log:
        f"{RESULTS}/logs/evaluate/{{method}}/{{category}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/evaluate/{{method}}/{{category}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/evaluate_video.py"

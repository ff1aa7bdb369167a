rule synth_benchmark:
    """The embedded synthetic benchmark in the SMITE-50 layout (DESIGN.md section 5)."""
    output:
        manifest=f"{DATA_ROOT}/manifest.json",
    params:
        synth=config["dataset"].get("synth", {}),
    log:
        f"{RESULTS}/logs/synth_benchmark.log",
    benchmark:
        f"{RESULTS}/benchmarks/synth_benchmark.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/synth_benchmark.py"


rule ground_truth:
    """One video's annotated frames as label PNGs named by frame index (the GT_DIR format)."""
    input:
        manifest=f"{DATA_ROOT}/manifest.json",
    output:
        directory(f"{RESULTS}/ground_truth/{{category}}/{{video}}"),
    params:
        root=dataset_root,
        parts=lambda wildcards: config["dataset"]["categories"][wildcards.category]["parts"],
    log:
        f"{RESULTS}/logs/ground_truth/{{category}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/ground_truth/{{category}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/ground_truth.py"

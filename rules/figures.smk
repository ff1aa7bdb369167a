rule figure_training_curves:
    """Figure 9: training loss per epoch, two-phase vs joint."""
    input:
        unpack(training_curve_inputs),
    output:
        expand(f"{FIGURES}/training_curves.{{ext}}", ext=FIGURE_FORMATS),
    params:
        modes=config["training_modes"],
    log:
        f"{RESULTS}/logs/figures/training_curves.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/training_curves.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/figure_training_curves.py"


rule figure_shots_curve:
    """mIoU against the number of references (Table 3 as a curve)."""
    input:
        table=f"{RESULTS}/tables/table3.csv",
    output:
        expand(f"{FIGURES}/shots_curve.{{ext}}", ext=FIGURE_FORMATS),
    log:
        f"{RESULTS}/logs/figures/shots_curve.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/shots_curve.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/figure_shots_curve.py"


rule figure_qualitative:
    """Overlay strip of a category's first video, one row per method (Figures 6-7)."""
    input:
        unpack(qualitative_inputs),
        manifest=f"{DATA_ROOT}/manifest.json",
    output:
        expand(f"{FIGURES}/qualitative_{{{{category}}}}.{{ext}}", ext=FIGURE_FORMATS),
    params:
        root=dataset_root,
        methods=config["methods"],
        video=lambda wildcards: videos(wildcards.category)[0],
    log:
        f"{RESULTS}/logs/figures/qualitative_{{category}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/qualitative_{{category}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/figure_qualitative.py"

rule figure_training_curves:
    """Figure 9: training loss per epoch, two-phase vs joint."""
    input:
        unpack(lambda wildcards: PLAN.training_curve_inputs()),
    output:
        figure_outputs("training_curves"),
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
        figure_outputs("shots_curve"),
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
        unpack(lambda wildcards: PLAN.qualitative_inputs(wildcards.category)),
        manifest=manifest("smite50"),
    output:
        figure_outputs("qualitative_{category}"),
    params:
        root=lambda wildcards, input: os.path.dirname(input.manifest),
        video=lambda wildcards: COLLECTIONS["smite50"][wildcards.category].videos[0],
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


rule figure_stage_costs:
    """Cost per stage (train, track, segment, evaluate) of the Table 1 runs."""
    input:
        unpack(lambda wildcards: PLAN.stage_benchmarks()),
    output:
        figure_outputs("stage_costs"),
    log:
        f"{RESULTS}/logs/figures/stage_costs.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/stage_costs.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/figure_stage_costs.py"

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
    """Strip of a category's first video: its frames, ground truth and each method's overlay (Figures 6-7)."""
    input:
        unpack(lambda wildcards: PLAN.qualitative_inputs(wildcards.category)),
        manifest=manifest("smite50"),
        ground_truth=lambda wildcards: PLAN.qualitative_ground_truth(wildcards.category),
    output:
        figure_outputs("qualitative_{category}"),
    params:
        root=lambda wildcards, input: os.path.dirname(input.manifest),
        video=lambda wildcards: COLLECTIONS["smite50"][wildcards.category].videos[0],
        parts=lambda wildcards: COLLECTIONS["smite50"][wildcards.category].parts,
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


rule figure_comparison:
    """The paper's Figures 8 and 12 from the outputs of Tables 1-2: per category, its first video's frames, ground
    truth and the two methods compared (smite.plan.COMPARISONS)."""
    input:
        unpack(lambda wildcards: PLAN.comparison_inputs(wildcards.figure)),
        manifest=manifest("smite50"),
    output:
        figure_outputs("{figure}"),
    wildcard_constraints:
        figure="|".join(COMPARISONS),
    params:
        root=lambda wildcards, input: os.path.dirname(input.manifest),
        videos={category: group.videos[0] for category, group in COLLECTIONS["smite50"].items()},
        parts={category: group.parts for category, group in COLLECTIONS["smite50"].items()},
    log:
        f"{RESULTS}/logs/figures/{{figure}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/{{figure}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/figure_comparison.py"

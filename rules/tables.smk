TABLE_PARAMS = {
    "run": RUN,
    "dataset": SMITE50,
    "backbone": config["method"]["backbone"]["name"],
    "tracker": config["method"].get("inference", {}).get("tracker", "flow"),
    "config_files": [os.path.relpath(path) for path in workflow.configfiles],
    "shots": SHOTS,
}


rule make_table1:
    """Table 1: F / mIoU per category and method, beside the paper's values."""
    input:
        unpack(table1_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table1"),
    params:
        **TABLE_PARAMS,
        methods=config["methods"],
    log:
        f"{RESULTS}/logs/tables/table1.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table1.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table1.py"


rule make_table2:
    """Table 2: the ablation ladder, mean mIoU beside the paper's."""
    input:
        unpack(table2_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table2"),
    params:
        **TABLE_PARAMS,
        methods=config["ablation"],
        ablation_note=ABLATION_NOTE,
    log:
        f"{RESULTS}/logs/tables/table2.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table2.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table2.py"


rule make_table3:
    """Table 3: SMITE with 1 / 5 / 10 references."""
    input:
        unpack(table3_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table3"),
    params:
        **TABLE_PARAMS,
        shots_ablation=config["shots_ablation"],
        ablation_note=ABLATION_NOTE,
    log:
        f"{RESULTS}/logs/tables/table3.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table3.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table3.py"


rule make_table4:
    """Table 4: temporal consistency per method beside the paper's user-study ranks."""
    input:
        unpack(table1_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table4"),
    params:
        **TABLE_PARAMS,
        methods=config["methods"],
    log:
        f"{RESULTS}/logs/tables/table4.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table4.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table4.py"


rule make_table8:
    """Table 8: joint vs two-phase training, mIoU and training time."""
    input:
        unpack(table8_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table8"),
    params:
        **TABLE_PARAMS,
        modes=config["training_modes"],
        ablation_note=ABLATION_NOTE,
    log:
        f"{RESULTS}/logs/tables/table8.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table8.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table8.py"


rule make_table5:
    """Table 5: statistics of the video datasets present beside the paper's."""
    input:
        statistics=statistics_files,
        literature="config/literature.csv",
    output:
        table_outputs("table5"),
    params:
        **TABLE_PARAMS,
    log:
        f"{RESULTS}/logs/tables/table5.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table5.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table5.py"


rule make_table6:
    """Table 6: PUMaVOS with one training frame per video, XMem++ as reported."""
    input:
        unpack(table6_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table6"),
    params:
        **TABLE_PARAMS,
        pumavos=DATASETS.get("pumavos"),
    log:
        f"{RESULTS}/logs/tables/table6.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table6.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table6.py"


rule make_table7:
    """Table 7: PUMaVOS with 1 / 5 / 10 training frames per video."""
    input:
        unpack(table7_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table7"),
    params:
        **TABLE_PARAMS,
        pumavos=DATASETS.get("pumavos"),
    log:
        f"{RESULTS}/logs/tables/table7.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table7.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table7.py"


rule make_table9:
    """Table 9 (and 10): DAVIS-2016 J / F of SMITE and SMITE+ beside the methods reported."""
    input:
        unpack(table9_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table9"),
    params:
        **TABLE_PARAMS,
        davis=DATASETS.get("davis2016"),
        table="table9",
        title="Table 9: DAVIS-2016 zero-shot (one frame per train video), Alimohammadi et al. 2025",
    log:
        f"{RESULTS}/logs/tables/table9.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table9.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table_davis.py"


use rule make_table9 as make_table10 with:
    input:
        unpack(table10_inputs),
        literature="config/literature.csv",
    output:
        table_outputs("table10"),
    params:
        **TABLE_PARAMS,
        davis=DATASETS.get("davis2016"),
        table="table10",
        title="Table 10: DAVIS-2016 semi-supervised (first frame of each val video), Alimohammadi et al. 2025",
    log:
        f"{RESULTS}/logs/tables/table10.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table10.tsv"


rule make_table11:
    """Table 11 (and 12): PASCAL-Part per-part IoU of SLiMe (re-run) and SMITE beside the methods reported."""
    input:
        unpack(lambda wildcards: pascal_inputs("table11")),
        literature="config/literature.csv",
    output:
        table_outputs("table11"),
    params:
        **TABLE_PARAMS,
        pascal=DATASETS.get("pascal_part"),
        classes=pascal_parts("table11"),
        table="table11",
        title="Table 11: PASCAL-Part car, per-part IoU, Alimohammadi et al. 2025",
    log:
        f"{RESULTS}/logs/tables/table11.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table11.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/make_table_pascal.py"


use rule make_table11 as make_table12 with:
    input:
        unpack(lambda wildcards: pascal_inputs("table12")),
        literature="config/literature.csv",
    output:
        table_outputs("table12"),
    params:
        **TABLE_PARAMS,
        pascal=DATASETS.get("pascal_part"),
        classes=pascal_parts("table12"),
        table="table12",
        title="Table 12: PASCAL-Part horse, per-part IoU, Alimohammadi et al. 2025",
    log:
        f"{RESULTS}/logs/tables/table12.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/table12.tsv"

TABLE_PARAMS = {
    "run": RUN,
    "dataset": config["dataset"],
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
        table_files("table1"),
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
        table_files("table2"),
    params:
        **TABLE_PARAMS,
        methods=config["ablation"],
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
        table_files("table3"),
    params:
        **TABLE_PARAMS,
        shots_ablation=config["shots_ablation"],
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
        table_files("table4"),
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
        table_files("table8"),
    params:
        **TABLE_PARAMS,
        modes=config["training_modes"],
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

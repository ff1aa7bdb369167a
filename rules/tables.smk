rule make_table1:
    """Table 1: F / mIoU per category and method, beside the paper's values."""
    input:
        unpack(table1_inputs),
        literature="config/literature.csv",
    output:
        expand(f"{RESULTS}/tables/table1.{{ext}}", ext=TABLE_FORMATS),
    params:
        run=RUN,
        config_files=workflow.configfiles,
        dataset=config["dataset"],
        backbone=config["method"]["backbone"]["name"],
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

TABLE_PARAMS = {
    "run": RUN,
    "dataset": SMITE50,
    "backbone": PLAN.settings.backbone.name,
    "tracker": PLAN.settings.inference.tracker,
    "config_files": [os.path.relpath(path) for path in workflow.configfiles],
    "shots": SHOTS,
    "ablation_note": ablation_note(config),
}

# One rule per table (smite.table_specs.TABLE_SPECS: title, notes, settings, builder), all running one script. Its
# inputs are the scores the plan names for it (smite.plan.RunPlan.table_inputs) and the paper's numbers.
for table, table_spec in TABLE_SPECS.items():

    rule:
        name:
            f"make_{table}"
        input:
            unpack(plan_table_inputs(table)),
            literature="config/literature.csv",
            weights=WEIGHTS,
        output:
            table_outputs(table),
        params:
            **TABLE_PARAMS,
            **table_spec.settings(config, PLAN),
            table=table,
        log:
            f"{RESULTS}/logs/tables/{table}.log",
        benchmark:
            f"{RESULTS}/benchmarks/tables/{table}.tsv"
        conda:
            "../environment.yml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        localrule: True
        script:
            "../workflow_scripts/make_table.py"

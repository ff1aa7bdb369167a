TABLE_PARAMS = {
    "run": RUN,
    "dataset": SMITE50,
    "backbone": config["method"]["backbone"]["name"],
    "tracker": config["method"].get("inference", {}).get("tracker", "flow"),
    "config_files": [os.path.relpath(path) for path in workflow.configfiles],
    "shots": SHOTS,
}

# One rule per table: its script and the params it reads besides TABLE_PARAMS. Its inputs are the scores the
# plan names for it (smite.plan.RunPlan.table_inputs) and the paper's numbers.
DAVIS_TITLES = {
    "table9": "Table 9: DAVIS-2016 zero-shot (one frame per train video), Alimohammadi et al. 2025",
    "table10": "Table 10: DAVIS-2016 semi-supervised (first frame of each val video), Alimohammadi et al. 2025",
}
PASCAL_TITLES = {
    "table11": "Table 11: PASCAL-Part car, per-part IoU, Alimohammadi et al. 2025",
    "table12": "Table 12: PASCAL-Part horse, per-part IoU, Alimohammadi et al. 2025",
}
TABLE_RULES = {
    # F / mIoU per category and method (Table 1); temporal consistency beside the user-study ranks (Table 4)
    "table1": ("make_table1.py", {"methods": config["methods"]}),
    "table4": ("make_table4.py", {"methods": config["methods"]}),
    # the ablation ladder; 1 / 5 / 10 references; joint vs two-phase training with its time
    "table2": ("make_table2.py", {"methods": config["ablation"], "ablation_note": ABLATION_NOTE}),
    "table3": ("make_table3.py", {"shots_ablation": config["shots_ablation"], "ablation_note": ABLATION_NOTE}),
    "table8": ("make_table8.py", {"modes": config["training_modes"], "ablation_note": ABLATION_NOTE}),
    # statistics of the video datasets present
    "table5": ("make_table5.py", {}),
    # PUMaVOS with one training frame per video (XMem++ as reported), and with 1 / 5 / 10
    "table6": ("make_table6.py", {"pumavos": DATASETS.get("pumavos")}),
    "table7": ("make_table7.py", {"pumavos": DATASETS.get("pumavos")}),
    # DAVIS-2016 J / F of SMITE and SMITE+ beside the methods reported
    **{
        table: ("make_table_davis.py", {"davis": DATASETS.get("davis2016"), "table": table, "title": title})
        for table, title in DAVIS_TITLES.items()
    },
    # PASCAL-Part per-part IoU of SLiMe (re-run) and SMITE beside the methods reported
    **{
        table: (
            "make_table_pascal.py",
            {"pascal": DATASETS.get("pascal_part"), "classes": pascal_parts(table), "table": table, "title": title},
        )
        for table, title in PASCAL_TITLES.items()
    },
}


for table, (table_script, table_params) in TABLE_RULES.items():

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
            **table_params,
            script=table_script,
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
            # a loop variable here would be read when the job runs (the last table's): the path comes from params
            "../workflow_scripts/{params.script}"

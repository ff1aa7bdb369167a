# SMITE reproduction pipeline: every table of the paper from one DAG.
#   snakemake --cores 2 all_tables                      embedded default (synthetic data, CPU)
#   snakemake --cores 2 table2                          one table by name (table1 ... table12)
#   snakemake --report report.html                      tables and figures with captions, once built
#   snakemake --profile profiles/slurm all_tables --configfile config/paper.yaml     the paper, on a cluster
from snakemake.utils import min_version, validate

min_version("9.0")


# The embedded default, unless --configfile names a run config: that one then stands alone (Snakemake
# would otherwise deep-merge it into the default, mixing e.g. the synthetic categories into a real run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"



# A run config may list only its changes to another (`base:`; config/paper_smoke.yaml): resolved here, once.
if "base" in config:
    from smite.config import resolve_run_config

    _resolved = resolve_run_config(dict(config))
    config.clear()
    config.update(_resolved)

validate(config, "config/schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/weights.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/track.smk"
include: "rules/segment.smk"
include: "rules/evaluate.smk"
include: "rules/switches.smk"
include: "rules/tables.smk"
include: "rules/figures.smk"


# On a cluster these run on the submitting host: downloads need its network, the rest takes seconds.
localrules:
    all_tables,
    all_figures,
    prepare_dataset,
    fetch_weights,
    dataset_statistics,
    figure_training_curves,
    figure_shots_curve,
    figure_stage_costs,


rule all_tables:
    input:
        all_table_files(),
        all_figure_files(),
    default_target: True


rule all_figures:
    input:
        all_figure_files(),


# One target per table: `snakemake --cores 2 table2` builds Table 2 and what it needs.
for table in TABLES:

    rule:
        name:
            table
        input:
            table_files(table),
        localrule: True

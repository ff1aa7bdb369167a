# SMITE reproduction pipeline: every table of the paper from one DAG.
#   snakemake --cores 2 all_tables                      embedded default (synthetic data, CPU)
#   snakemake --cores 2 table2                          one table by name
from snakemake.utils import min_version, validate

min_version("9.0")


# The embedded default, unless --configfile names a run config: that one then stands alone (Snakemake
# would otherwise deep-merge it into the default, mixing e.g. the synthetic categories into a real run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"



validate(config, "config/schema.yaml")


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/track.smk"
include: "rules/segment.smk"
include: "rules/evaluate.smk"
include: "rules/tables.smk"
include: "rules/figures.smk"


rule all_tables:
    input:
        all_table_files(),
        all_figure_files(),
    default_target: True


rule all_figures:
    input:
        all_figure_files(),


rule table1:
    input:
        table_files("table1"),


rule table2:
    input:
        table_files("table2"),


rule table3:
    input:
        table_files("table3"),


rule table4:
    input:
        table_files("table4"),


rule table8:
    input:
        table_files("table8"),

# SMITE reproduction pipeline: every table of the paper from one DAG.
#   snakemake --cores 2 all_tables                      embedded default (synthetic data, CPU)
#   snakemake --cores 2 --configfile config/paper.yaml all_tables   the paper's runs (GPU, network)
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/segment.smk"
include: "rules/evaluate.smk"
include: "rules/tables.smk"


rule all_tables:
    input:
        all_table_files(),
    default_target: True


rule table1:
    input:
        table_files("table1"),

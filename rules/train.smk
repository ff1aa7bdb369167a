rule train:
    """Part tokens (and, by mode, cross-attention keys/values) of one group's model from its reference images."""
    input:
        derived_references,
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=collection_manifest,
    output:
        checkpoint=f"{RESULTS}/{CHECKPOINT_PATH}",
    params:
        references=references_for,
        parts=group_parts,
        overrides=train_overrides,
    log:
        f"{RESULTS}/logs/train/{{collection}}/{{group}}/{{mode}}_{{shots}}shot.log",
    benchmark:
        f"{RESULTS}/{TRAIN_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    # trainings first: each unlocks segmentations, so that the run does not end on one long chain with a core idle
    priority: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/train.py"

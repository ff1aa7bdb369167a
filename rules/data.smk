rule prepare_dataset:
    """A dataset folder, complete once its manifest exists: generated (synthetic) or downloaded and verified."""
    input:
        dataset_inputs,
    output:
        manifest="{root}/manifest.json",
    params:
        spec=dataset_spec,
    log:
        f"{RESULTS}/logs/datasets/{{root}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/datasets/{{root}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
    script:
        "../workflow_scripts/prepare_dataset.py"


rule references:
    """A model's reference folder taken from videos: PUMaVOS frames, DAVIS train frames or first frames."""
    input:
        manifest=collection_manifest,
    output:
        directory(f"{RESULTS}/{REFERENCES_PATH}"),
    params:
        root=collection_root,
        parts=group_parts,
        spec=lambda wildcards: DATASETS[COLLECTION_DATASET[wildcards.collection]],
    log:
        f"{RESULTS}/logs/references/{{collection}}/{{group}}/{{shots}}shot.log",
    benchmark:
        f"{RESULTS}/benchmarks/references/{{collection}}/{{group}}/{{shots}}shot.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/references.py"


rule ground_truth:
    """One video's scored frames as label PNGs named by frame index (the GT_DIR format)."""
    input:
        manifest=collection_manifest,
    output:
        directory(f"{RESULTS}/{GROUND_TRUTH_PATH}"),
    params:
        root=collection_root,
        protocol=config["video_protocol"],
        parts=group_parts,
        shots=scoring_shots,
    log:
        f"{RESULTS}/logs/ground_truth/{{collection}}/{{group}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/ground_truth/{{collection}}/{{group}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/ground_truth.py"


rule dataset_statistics:
    """Table 5's statistics of one dataset present: videos, parts per video, multi-part videos."""
    input:
        manifest=lambda wildcards: manifest(wildcards.dataset),
    output:
        f"{RESULTS}/{STATISTICS_PATH}",
    params:
        spec=lambda wildcards: DATASETS[wildcards.dataset],
    log:
        f"{RESULTS}/logs/statistics/{{dataset}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/statistics/{{dataset}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../workflow_scripts/dataset_statistics.py"


if TOY:

    rule toy_archive:
        """Smoke runs: a toy copy of a dataset's archive in its real layout, fetched by its file: URL."""
        output:
            f"{TOY['folder']}/{{archive}}",
        wildcard_constraints:
            archive="|".join(re.escape(name) for name in TOY_ARCHIVES) or "^$",
        params:
            spec=toy_dataset,
            settings=TOY,
        log:
            f"{RESULTS}/logs/toy/{{archive}}.log",
        benchmark:
            f"{RESULTS}/benchmarks/toy/{{archive}}.tsv"
        conda:
            "../environment.yml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        script:
            "../workflow_scripts/toy_dataset.py"

    rule toy_local_dataset:
        """Smoke runs: a toy copy of a `kind: local` dataset written into its root, as a user fetches it by hand."""
        output:
            placed=f"{TOY['folder']}/{{dataset}}.placed",
        wildcard_constraints:
            dataset="|".join(re.escape(name) for name in TOY_LOCAL) or "^$",
        params:
            spec=toy_dataset,
            settings=TOY,
        log:
            f"{RESULTS}/logs/toy/{{dataset}}.log",
        benchmark:
            f"{RESULTS}/benchmarks/toy/{{dataset}}.tsv"
        conda:
            "../environment.yml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        script:
            "../workflow_scripts/toy_dataset.py"

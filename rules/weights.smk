rule fetch_weights:
    """The pretrained models this run loads (the `models` setting: smite/pretrained.yaml, pinned by revision), fetched once into
    the Hugging Face cache on the submitting host; its output names each one's identity, and every model job reads
    it and then loads from the cache only (compute nodes need no internet). It first checks, in the jobs'
    environment, that the package of each tracker the run uses imports (CoTracker3's `cotracker`)."""
    output:
        WEIGHTS,
    params:
        models={key: dict(vars(spec)) for key, spec in MODELS.items()},
        trackers=TRACKERS_USED,
    log:
        f"{RESULTS}/logs/fetch_weights.log",
    benchmark:
        f"{RESULTS}/benchmarks/fetch_weights.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    script:
        "../workflow_scripts/fetch_weights.py"

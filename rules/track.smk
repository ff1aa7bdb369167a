rule track_video:
    """Trajectories of the attention-grid centres over the voting window around every frame, cached once."""
    input:
        manifest=f"{DATA_ROOT}/manifest.json",
    output:
        tracks=f"{RESULTS}/tracks/{{category}}/{{video}}.npz",
    params:
        root=dataset_root,
        method=category_method,
    log:
        f"{RESULTS}/logs/track/{{category}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/track/{{category}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/track_video.py"

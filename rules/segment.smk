rule segment_video:
    """Masks, overlay and parts legend of one video by one method and checkpoint setting."""
    input:
        manifest=f"{DATA_ROOT}/manifest.json",
        checkpoint=checkpoint_for,
        tracks=tracks_for,
    output:
        directory(f"{RESULTS}/segment/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}"),
    params:
        root=dataset_root,
        method=category_method,
    log:
        f"{RESULTS}/logs/segment/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/segment/{{method}}/{{mode}}_{{shots}}shot/{{category}}/{{video}}.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/segment_video.py"

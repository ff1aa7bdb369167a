rule train_category:
    """Part tokens (and, by mode, cross-attention keys/values) from a category's reference images."""
    input:
        manifest=f"{DATA_ROOT}/manifest.json",
    output:
        checkpoint=f"{RESULTS}/models/{{category}}/{{mode}}_{{shots}}shot.safetensors",
    params:
        root=dataset_root,
        parts=lambda wildcards: config["dataset"]["categories"][wildcards.category]["parts"],
        method=category_method,
    log:
        f"{RESULTS}/logs/train/{{category}}/{{mode}}_{{shots}}shot.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{{category}}/{{mode}}_{{shots}}shot.tsv"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/train_category.py"

rule track_video:
    """Trajectories of the attention-grid centres through the clips the run's methods read (smite.track.plan: each
    guided window, and each frame's voting range where Baseline-II runs), cached once per video.

    Its method is the tracking slice of its category's (track_overrides): the windows and vote window it segments
    with."""
    input:
        defaults=SMITE_DEFAULTS,
        weights=WEIGHTS,
        manifest=lambda wildcards: manifest(wildcards.dataset),
    output:
        tracks=f"{RESULTS}/{TRACKS_PATH}",
    params:
        root=lambda wildcards: DATASETS[wildcards.dataset]["root"],
        protocol=config["video_protocol"],
        overrides=track_overrides,
        uses=track_uses(config),
    log:
        f"{RESULTS}/logs/track/{{dataset}}/{{folder}}/{{video}}.log",
    benchmark:
        f"{RESULTS}/{TRACK_BENCHMARK_PATH}"
    conda:
        "../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["resources"]["gpu"],
    script:
        "../workflow_scripts/track_video.py"

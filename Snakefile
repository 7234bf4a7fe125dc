# musiclust: unsupervised music clustering, from dataset download to report tables.
# Layout and contracts: README.md ("Design"). Rules are wiring; logic lives in src/musiclust.
from snakemake.utils import min_version

min_version("8.20")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/priorities.smk"
include: "rules/data.smk"
include: "rules/text.smk"
include: "rules/lyrics.smk"
include: "rules/features.smk"
include: "rules/representations.smk"
include: "rules/cluster.smk"
include: "rules/report.smk"


rule all:
    input:
        report_targets(config["dataset"]),
    default_target: True

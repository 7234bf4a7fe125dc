# Job priorities (Snakemake's `priority:`: among jobs ready to run, higher first): cheap results
# come first, so that the baselines' numbers (report/baselines.md) are there while the learned
# models train. Without them the scheduler prefers the jobs with the largest inputs, i.e. the
# training jobs, over the last feature shards and the baselines that wait on them.
PRIORITY = {
    "inputs": 40,       # decoding, features, lyrics, text embeddings: every result waits on them
    "baselines": 30,    # baseline and hybrid representations, their evaluation, baselines.md
    "evaluation": 20,   # a trained model's evaluation: its numbers as soon as it is trained
    "training": 0,
}


def evaluation_priority(wildcards):
    learned = stage_of(REPRESENTATIONS[wildcards.rep]) == "learned"
    return PRIORITY["evaluation"] if learned else PRIORITY["baselines"]

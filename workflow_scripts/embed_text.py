"""Rule embed_text: embed one source's texts with one encoder."""

import time

from musiclust.logs import log_to_file
from musiclust.text.encoders import make_encoder
from musiclust.text.store import read_source_texts, write_text_embeddings

log = log_to_file(snakemake.log[0])
import torch  # noqa: E402 - after the log, so that import messages land in it

torch.set_num_threads(snakemake.threads)
texts, source_meta = read_source_texts(snakemake.input[0])
encoder = make_encoder(snakemake.params.encoder)
if hasattr(encoder, "load"):
    encoder.load()  # so that the throughput logged below is the encoding's alone
start = time.perf_counter()
embeddings = encoder.fit_transform(texts["text"].tolist())
seconds = time.perf_counter() - start
write_text_embeddings(
    snakemake.output[0], texts["track_id"].to_numpy(), embeddings, texts["source_used"].tolist(),
    metadata={"source": snakemake.wildcards.source, "encoder": snakemake.wildcards.encoder,
              "encoder_settings": dict(snakemake.params.encoder), "n_excluded": source_meta.get("n_excluded")},
)
log.info("%d texts -> %s in %.1f s (%.1f tracks/s)", len(texts), embeddings.shape, seconds,
         len(texts) / seconds if seconds > 0 else float("inf"))

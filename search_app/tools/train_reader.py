"""Train the extractive reader on CPU from the development splits (one reproducible command, fixed seeds).

``python -m search_app.tools.train_reader [--data ../shared/data] [--out search_app/data/reader]``

Fine-tunes the top ``--layers`` layers of the converted multilingual-e5-small and a start/end head on the ``train``
part of tydiqa-id-goldp and facqa-news-qa (``search_app/tools/reader_data.py``: positives from the gold answer
spans; for a share of the questions a hard negative whose target is "no answer"), in bf16 autocast, batches of
similar length. One run per ``--sources`` entry, the same seed, its hard negatives from BM25 (``bm25``) or from the
served search's first results as the answer box would read them (``search``, ``search_negatives.py``); with more than
one, the runs are kept in ``--runs`` (a finished run is reused, so an interrupted command resumes) and the shipped
weights are their average (a uniform "model soup": same start, different negatives). Writes only the tensors
training changed (bf16 safetensors) and ``reader.json`` (how they were made).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from search_app.reader import CONFIG, READER_DIR, WEIGHTS
from search_app.reader_model import ReaderModel, base_model, trained_parameter_names
from search_app.tools.reader_data import SPLITS, Example, examples, hard_negatives
from search_app.tools.search_negatives import search_negatives

NEGATIVE_SOURCES = {"search": search_negatives, "bm25": hard_negatives}


def features(tokenizer, batch: list[Example], window_tokens: int) -> dict[str, torch.Tensor]:
    """Token ids of question + context and the answer's start/end token (0, the ``<s>`` token, for none).

    A context longer than the window is cut to the window that holds the answer's start (or its first window).
    """
    encoded = tokenizer([e.question for e in batch], [e.context for e in batch], truncation="only_second",
                        max_length=window_tokens, stride=64, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=True)
    chosen: dict[int, tuple[int, int, int]] = {}
    for window, index in enumerate(encoded["overflow_to_sample_mapping"]):
        example = batch[index]
        start = end = 0
        if example.answer_start >= 0:
            answer_end = example.answer_start + len(example.answer)
            tokens = [t for t, sid in enumerate(encoded.sequence_ids(window)) if sid == 1]
            offsets = encoded["offset_mapping"][window]
            if tokens and offsets[tokens[0]][0] <= example.answer_start and offsets[tokens[-1]][1] >= answer_end:
                start = next(t for t in tokens if offsets[t][1] > example.answer_start)
                end = next(t for t in reversed(tokens) if offsets[t][0] < answer_end)
        if index not in chosen or (start and not chosen[index][1]):
            chosen[index] = (window, start, end)
    rows = [chosen[i] for i in sorted(chosen)]
    pick = [w for w, _, _ in rows]
    return {"input_ids": torch.tensor(encoded["input_ids"])[pick],
            "attention_mask": torch.tensor(encoded["attention_mask"])[pick],
            "start": torch.tensor([s for _, s, _ in rows]), "end": torch.tensor([e for _, _, e in rows])}


def batches(items: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of examples of similar length (sorted within chunks of 50 batches)."""
    items = items[:]
    rng.shuffle(items)
    chunk = size * 50
    out: list[list[Example]] = []
    for begin in range(0, len(items), chunk):
        part = sorted(items[begin:begin + chunk], key=lambda e: len(e.context) + len(e.question))
        out.extend(part[i:i + size] for i in range(0, len(part), size))
    rng.shuffle(out)
    return out


def train(data: Path, out: Path, *, layers: int, epochs: int, batch_size: int, lr: float, window_tokens: int,
          seed: int, limit: int | None, threads: int | None, negatives: float = 0.5, source: str = "bm25",
          log=print) -> dict:
    """One run: trains and writes the reader to ``out`` (after each epoch too); returns what ``reader.json`` says."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    items: list[Example] = []
    for split in SPLITS:
        items += examples(data / split, "train", negatives=NEGATIVE_SOURCES[source])
    rng = random.Random(seed)
    items = [e for e in items if e.answer_start >= 0 or rng.random() < negatives]
    if limit:
        items = rng.sample(items, min(limit, len(items)))
    log(f"{len(items)} training examples ({sum(e.answer_start < 0 for e in items)} without the answer)")
    encoder, tokenizer = base_model()
    model = ReaderModel(encoder)
    trained = set(trained_parameter_names(model, layers))
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name in trained
    parameters = [p for n, p in model.named_parameters() if n in trained]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    plan = [batches(items, batch_size, rng) for _ in range(epochs)]
    steps = sum(len(p) for p in plan)
    warmup = max(1, steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    step, recent = 0, []
    for epoch, epoch_batches in enumerate(plan, 1):
        for batch in epoch_batches:
            f = features(tokenizer, batch, window_tokens)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                starts, ends = model(f["input_ids"], f["attention_mask"])
            loss = (loss_fn(starts.float(), f["start"]) + loss_fn(ends.float(), f["end"])) / 2
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            recent.append(float(loss.detach()))
            if step % 20 == 0 or step == steps:
                log(f"epoch {epoch} step {step}/{steps} loss {np.mean(recent):.3f} "
                    f"{time.perf_counter() - started:.0f} s")
                recent = []
        save(model, trained, out, {"trained_layers": layers, "epochs_done": epoch})
    seconds = time.perf_counter() - started
    info = {"trained_layers": layers, "epochs": epochs, "batch_size": batch_size, "lr": lr,
            "window_tokens": window_tokens, "seed": seed, "examples": len(items), "negatives": negatives,
            "negative_source": source, "limit": limit,
            "training_seconds": round(seconds), "threads": torch.get_num_threads(),
            "command": "python -m search_app.tools.train_reader " + " ".join(sys.argv[1:])}
    save(model, trained, out, info)
    return info


def save(model: ReaderModel, trained: set[str], out: Path, info: dict) -> None:
    """The changed tensors as bf16 safetensors and ``reader.json``."""
    state = {n: t.detach().to(torch.bfloat16).contiguous() for n, t in model.state_dict().items() if n in trained}
    write_reader(out, state, info)


def write_reader(out: Path, state: dict[str, torch.Tensor], info: dict) -> None:
    """``state`` as ``out/reader.safetensors`` and ``info`` as ``out/reader.json``, each written atomically."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / (WEIGHTS + ".tmp")))
    os.replace(out / (WEIGHTS + ".tmp"), out / WEIGHTS)
    (out / (CONFIG + ".tmp")).write_text(json.dumps(info, indent=2) + "\n")
    os.replace(out / (CONFIG + ".tmp"), out / CONFIG)


def average_runs(runs: list[Path], out: Path, info: dict) -> None:
    """The runs' tensors averaged (in fp32, written bf16) into ``out``, with ``info`` as its ``reader.json``."""
    from safetensors.torch import load_file

    states = [load_file(str(run / WEIGHTS)) for run in runs]
    if any(set(state) != set(states[0]) for state in states):
        raise ValueError(f"the runs in {', '.join(map(str, runs))} did not train the same tensors")
    average = {name: (sum(state[name].float() for state in states) / len(states)).to(torch.bfloat16).contiguous()
               for name in states[0]}
    write_reader(out, average, info)


def finished_run(folder: Path, settings: dict) -> dict | None:
    """The ``reader.json`` of a finished run in ``folder`` made with ``settings``, or None."""
    try:
        info = json.loads((folder / CONFIG).read_text())
    except (OSError, ValueError):
        return None
    done = "training_seconds" in info and (folder / WEIGHTS).is_file()
    return info if done and all(info.get(k) == v for k, v in settings.items()) else None


def train_soup(data: Path, out: Path, runs: Path, sources: list[str], log=print, **settings) -> dict:
    """One run per negative source (reused when finished with the same settings), then their average in ``out``."""
    if len(sources) == 1:
        return train(data, out, source=sources[0], log=log, **settings)
    infos = []
    for source in sources:
        folder = runs / source
        recipe = {k: v for k, v in settings.items() if k not in ("layers", "threads")}
        info = finished_run(folder, {**recipe, "trained_layers": settings["layers"], "negative_source": source})
        if info is None:
            log(f"run {source} → {folder}")
            info = train(data, folder, source=source, log=log, **settings)
        else:
            log(f"run {source}: finished earlier in {folder}, reused")
        infos.append(info)
    soup = {"trained_layers": settings["layers"], "soup_of": infos,
            "training_seconds": sum(i["training_seconds"] for i in infos),
            "command": "python -m search_app.tools.train_reader " + " ".join(sys.argv[1:])}
    average_runs([runs / source for source in sources], out, soup)
    return soup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search_app.tools.train_reader", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("TELUSUR_DATA", "../shared/data")))
    parser.add_argument("--out", type=Path, default=READER_DIR)
    parser.add_argument("--layers", type=int, default=12, help="top layers to fine-tune (default 12: all)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--window", type=int, default=192, help="tokens of question + passage (default 192)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=None, help="train on this many examples only (a quick run)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--negatives", type=float, default=0.5,
                        help="share of the questions whose hard negative is trained on (default 0.5)")
    parser.add_argument("--sources", nargs="+", choices=sorted(NEGATIVE_SOURCES), default=["bm25", "search"],
                        help="one run per source of hard negatives, averaged (default: bm25 search)")
    parser.add_argument("--runs", type=Path, default=Path.home() / ".cache" / "telusur" / "reader-runs",
                        help="where the runs of a soup are kept (default ~/.cache/telusur/reader-runs)")
    args = parser.parse_args(argv)
    for split in SPLITS:
        if not (args.data / split / "qrels.tsv").is_file():
            print(f"error: {args.data / split}: no development split there (set --data or TELUSUR_DATA)",
                  file=sys.stderr)
            return 2
    info = train_soup(args.data, args.out, args.runs, args.sources, layers=args.layers, epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, window_tokens=args.window, seed=args.seed,
                      limit=args.limit, threads=args.threads, negatives=args.negatives)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())

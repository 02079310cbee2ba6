"""The reader's network: a BERT encoder (the converted multilingual-e5-small) and a start/end head."""

from __future__ import annotations

from pathlib import Path

import torch


class ReaderModel(torch.nn.Module):
    """A BERT encoder and a linear start/end head over its last layer."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        logits = self.head(hidden).float()
        mask = (attention_mask == 0) * -1e4
        return logits[..., 0] + mask, logits[..., 1] + mask


def base_model(model_dir: Path | None = None) -> tuple[torch.nn.Module, object]:
    """The converted multilingual-e5-small encoder (fp32) and its tokenizer; converts it on first use."""
    from transformers import AutoTokenizer, BertModel
    from transformers.utils import logging as hf_logging

    from ingest.e5_convert import ensure_converted_model

    path = model_dir or ensure_converted_model()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    encoder = BertModel.from_pretrained(str(path), add_pooling_layer=False, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    return encoder, tokenizer


def trained_parameter_names(model: ReaderModel, trained_layers: int) -> list[str]:
    """Names of the parameters training changes: the top ``trained_layers`` layers and the head."""
    first = model.encoder.config.num_hidden_layers - trained_layers
    keep = tuple(f"encoder.encoder.layer.{i}." for i in range(first, model.encoder.config.num_hidden_layers))
    return [name for name, _ in model.named_parameters() if name.startswith(keep) or name.startswith("head.")]

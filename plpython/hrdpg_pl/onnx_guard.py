"""Structural checks of an untrusted ONNX artifact before onnxruntime ever parses it.

A trainer's artifact runs in the database server's process as the OS user, so registration
treats it as hostile input. onnxruntime would follow an initializer's external-data path
(relative to the data directory) and run control flow (Loop, Scan, If) that no statement
timeout or cancel can interrupt. This module walks the protobuf wire format itself (the server
has no ``onnx`` package, and a walker that only reads is small) and refuses, before any
session is made:

- artifacts over MAX_ARTIFACT_BYTES;
- any tensor stored outside the artifact (external data), anywhere in the graph;
- sub-graphs, model-local functions and training sections;
- operators outside ALLOWED_OPS, and operator-set domains outside ALLOWED_DOMAINS.

What is left is a tree ensemble with a little arithmetic around it: bounded work per row.
"""

from __future__ import annotations

from collections.abc import Iterator

MAX_ARTIFACT_BYTES = 32 * 1024 * 1024
ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
TREE_OPS = frozenset({"TreeEnsemble", "TreeEnsembleRegressor", "TreeEnsembleClassifier"})
ARITHMETIC_OPS = frozenset({
    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Exp", "Log", "Sigmoid", "Softmax", "LogSoftmax",
    "Clip", "Min", "Max", "Sum", "Identity", "Cast", "Reshape", "Flatten", "Squeeze",
    "Unsqueeze", "Concat", "Gather", "Slice", "Transpose", "MatMul", "Gemm", "ZipMap",
})
ALLOWED_OPS = TREE_OPS | ARITHMETIC_OPS

# Field numbers of onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto).
MODEL_GRAPH, MODEL_OPSET, MODEL_TRAINING, MODEL_FUNCTIONS = 7, 8, 20, 25
# Every ModelProto field and its wire type (0 varint, 2 length-delimited); anything else is
# not an ONNX model (or one from a future ONNX, refused until this list knows it).
MODEL_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2}
OPSET_DOMAIN = 1
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_SPARSE_INITIALIZER = 1, 5, 15
NODE_OP_TYPE, NODE_ATTRIBUTE, NODE_DOMAIN = 4, 5, 7
ATTR_TENSOR, ATTR_GRAPH, ATTR_TENSORS, ATTR_GRAPHS = 5, 6, 10, 11
ATTR_SPARSE_TENSOR, ATTR_SPARSE_TENSORS = 22, 23
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14


class Refused(ValueError):
    """The artifact breaks a rule; the message says which, in our words (never onnxruntime's)."""


def _corrupt(detail: str) -> Refused:
    return Refused(f"the artifact cannot load as an ONNX model ({detail}): truncated or "
                   "corrupted? Re-export it")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _corrupt("bad varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(buf: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of one protobuf message; bytes for length-delimited."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == 1 or wire == 5:
            width = 8 if wire == 1 else 4
            if pos + width > len(buf):
                raise _corrupt("truncated")
            yield number, wire, int.from_bytes(buf[pos:pos + width], "little")
            pos += width
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise _corrupt("truncated")
            yield number, wire, buf[pos:pos + size]
            pos += size
        else:  # groups (3, 4) are not used by ONNX; anything else is corrupt
            raise _corrupt(f"wire type {wire}")


def _messages(buf: bytes, number: int) -> Iterator[bytes]:
    for n, wire, value in fields(buf):
        if n == number and wire == 2 and isinstance(value, bytes):
            yield value


def _text(buf: bytes, number: int) -> str:
    for value in _messages(buf, number):
        return value.decode("utf-8", "replace")
    return ""


def _check_tensor(tensor: bytes, where: str) -> None:
    for n, _, value in fields(tensor):
        if n == TENSOR_EXTERNAL_DATA or (n == TENSOR_DATA_LOCATION and value != 0):
            raise Refused(f"{where} stores its data outside the artifact (external data is "
                          "not accepted: embed every tensor)")


def _check_node(node: bytes, index: int) -> None:
    op, domain = _text(node, NODE_OP_TYPE), _text(node, NODE_DOMAIN)
    if domain not in ALLOWED_DOMAINS or op not in ALLOWED_OPS:
        raise Refused(f"operator {domain + '.' if domain else ''}{op or '?'} (node {index}) is "
                      "not allowed: an artifact may hold a tree ensemble and element-wise "
                      "arithmetic only")
    for attr in _messages(node, NODE_ATTRIBUTE):
        for n, _, value in fields(attr):
            if n in (ATTR_GRAPH, ATTR_GRAPHS):
                raise Refused(f"node {index} ({op}) carries a sub-graph, which is not allowed")
            if n in (ATTR_TENSOR, ATTR_TENSORS, ATTR_SPARSE_TENSOR,
                     ATTR_SPARSE_TENSORS) and isinstance(value, bytes):
                _check_tensor(value, f"an attribute tensor of node {index} ({op})")


def check_structure(artifact: bytes) -> None:
    """Raise Refused unless the artifact satisfies every rule in the module docstring."""
    if len(artifact) > MAX_ARTIFACT_BYTES:
        raise Refused(f"the artifact is {len(artifact):,} bytes, over the "
                      f"{MAX_ARTIFACT_BYTES:,}-byte limit")
    top = list(fields(artifact))
    # Bytes that are not a ModelProto are reported as corrupt before any rule is judged.
    unknown = [n for n, wire, _ in top if MODEL_FIELDS.get(n) != wire]
    if unknown:
        raise _corrupt(f"unexpected field {unknown[0]}")
    if any(n in (MODEL_TRAINING, MODEL_FUNCTIONS) for n, _, _ in top):
        raise Refused("the artifact carries model-local functions or training sections, "
                      "which are not allowed")
    for n, _, value in top:
        if n == MODEL_OPSET and isinstance(value, bytes):
            domain = _text(value, OPSET_DOMAIN)
            if domain not in ALLOWED_DOMAINS:
                raise Refused(f"operator set domain {domain!r} is not allowed")
    graphs = [v for n, w, v in top if n == MODEL_GRAPH and w == 2 and isinstance(v, bytes)]
    if len(graphs) != 1:
        raise _corrupt("no graph")
    _check_graph(graphs[0])


def _check_graph(graph: bytes) -> None:
    nodes = 0
    for n, _, value in fields(graph):
        if n == GRAPH_NODE and isinstance(value, bytes):
            _check_node(value, nodes)
            nodes += 1
        elif n == GRAPH_INITIALIZER and isinstance(value, bytes):
            _check_tensor(value, "an initializer")
        elif n == GRAPH_SPARSE_INITIALIZER:
            raise Refused("sparse initializers are not allowed")
    if nodes == 0:
        raise Refused("the artifact's graph has no operators")

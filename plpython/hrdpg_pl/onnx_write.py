"""Write the few ONNX messages a one-node tree-ensemble model needs, in protobuf wire format.

The server has numpy and onnxruntime but no ``onnx`` package. hrdpg_pl.explain_ort builds an
onnxruntime model from trees the server already holds (a model's explainer metadata), so it
needs to write, not read, a ModelProto: a graph of one node with attributes, one input and one
output. Field numbers are onnx.proto's; onnx_guard reads the same format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

# AttributeProto.AttributeType and TensorProto.DataType values used here.
ATTR_INT, ATTR_STRING, ATTR_TENSOR, ATTR_INTS, ATTR_STRINGS = 2, 3, 4, 7, 8
FLOAT, DOUBLE = 1, 11
IR_VERSION = 9
Attribute = int | str | Sequence[int] | Sequence[str] | npt.NDArray[np.float64]


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int64 fields: two's complement, ten bytes
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def _text(field: int, value: str) -> bytes:
    return _bytes(field, value.encode())


def _packed(field: int, values: Iterable[int]) -> bytes:
    return _bytes(field, b"".join(_varint(int(v)) for v in values))


def tensor(name: str, values: npt.NDArray[np.float64]) -> bytes:
    """TensorProto of a 1-d double array (dims 1, data_type 2, name 8, raw_data 9)."""
    data = np.ascontiguousarray(values, dtype="<f8")
    return (_packed(1, [data.size]) + _int(2, DOUBLE) + _text(8, name)
            + _bytes(9, data.tobytes()))


def attribute(name: str, value: Attribute) -> bytes:
    """AttributeProto (name 1, i 3, s 4, t 5, ints 8, strings 9, type 20)."""
    head = _text(1, name)
    if isinstance(value, np.ndarray):
        return head + _bytes(5, tensor(name, value)) + _int(20, ATTR_TENSOR)
    if isinstance(value, bool | int):
        return head + _int(3, int(value)) + _int(20, ATTR_INT)
    if isinstance(value, str):
        return head + _bytes(4, value.encode()) + _int(20, ATTR_STRING)
    texts = [v for v in value if isinstance(v, str)]
    ints = [int(v) for v in value if isinstance(v, int | np.integer)]
    if len(texts) + len(ints) != len(value) or (texts and ints):
        raise TypeError(f"attribute {name}: a list of ints or a list of strings")
    if texts:
        return head + b"".join(_bytes(9, v.encode()) for v in texts) + _int(20, ATTR_STRINGS)
    return head + _packed(8, ints) + _int(20, ATTR_INTS)


def _value_info(name: str, elem_type: int, width: int) -> bytes:
    """ValueInfoProto of a [N, width] tensor, N symbolic."""
    shape = (_bytes(1, _text(2, "N"))  # TensorShapeProto.dim: Dimension.dim_param
             + _bytes(1, _int(1, width)))  # Dimension.dim_value
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _text(1, name) + _bytes(2, _bytes(1, tensor_type))


def one_node_model(op_type: str, domain: str, attributes: dict[str, Attribute],
                   input_name: str, input_width: int, output_name: str, output_width: int,
                   opsets: dict[str, int]) -> bytes:
    """Serialized ModelProto: double[N, input_width] -> float[N, output_width] by one node."""
    node = (_text(1, input_name) + _text(2, output_name) + _text(3, op_type.lower())
            + _text(4, op_type)
            + b"".join(_bytes(5, attribute(k, v)) for k, v in attributes.items())
            + _text(7, domain))
    graph = (_bytes(1, node) + _text(2, "hrdpg_" + op_type.lower())
             + _bytes(11, _value_info(input_name, DOUBLE, input_width))
             + _bytes(12, _value_info(output_name, FLOAT, output_width)))
    opset = b"".join(_bytes(8, _text(1, d) + _int(2, v)) for d, v in opsets.items())
    return _int(1, IR_VERSION) + _text(2, "hrdpg") + _bytes(7, graph) + opset

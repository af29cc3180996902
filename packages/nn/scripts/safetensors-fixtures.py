"""Regenerates src/safetensors/fixtures/*.safetensors with the reference implementation (the Rust
`safetensors` crate through its Python binding, tested with safetensors 0.8.0; numpy not needed).

    python -m venv .venv && .venv/bin/pip install safetensors==0.8.0
    .venv/bin/python scripts/safetensors-fixtures.py

The tests read these bytes; CI never needs Python. `reference.safetensors` has metadata (its key order
comes from a hash map, so only its parsed content is compared); `reference-nometa.safetensors` has none
and must equal our writer's output byte for byte.
"""
import ctypes
import os
import struct

from safetensors import TensorSpec, deserialize, serialize


def f32(xs):
    return b"".join(struct.pack("<f", x) for x in xs)


def f64(xs):
    return b"".join(struct.pack("<d", x) for x in xs)


def i32(xs):
    return b"".join(struct.pack("<i", x) for x in xs)


RAW = {
    "conv1.weight": ("float32", [2, 1, 1, 2], f32([0.5, -1.25, 3.0, 1e-8])),
    "conv1.bias": ("float32", [2], f32([0.0, -0.0])),
    "conv1_prelu.weight": ("float32", [1], f32([0.25])),
    "a_step": ("int32", [], i32([42])),
    "w64": ("float64", [3], f64([3.141592653589793, -2.5e-300, 1e300])),
    "empty": ("float32", [0, 3], b""),
}


def write(path, metadata):
    keep = []
    specs = {}
    for name, (dtype, shape, data) in RAW.items():
        buf = ctypes.create_string_buffer(data, max(len(data), 1))
        keep.append(buf)
        specs[name] = TensorSpec(dtype=dtype, shape=shape, data_ptr=ctypes.addressof(buf), data_len=len(data))
    out = serialize(specs, metadata=metadata)
    with open(path, "wb") as f:
        f.write(out)
    # sanity: the reference reader accepts what its writer wrote
    assert len(deserialize(out)) == len(RAW)


here = os.path.join(os.path.dirname(__file__), "..", "src", "safetensors", "fixtures")
write(os.path.join(here, "reference.safetensors"), {"format": "pt", "model": "tiny"})
write(os.path.join(here, "reference-nometa.safetensors"), None)

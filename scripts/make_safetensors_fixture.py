#!/usr/bin/env python3
"""Writes the safetensors fixtures that Tests/TorchNNTests and Tests/TorchTests read back.

Run with a Python that has `safetensors` and `numpy` (pip install safetensors numpy):
    python3 scripts/make_safetensors_fixture.py Tests/Fixtures/safetensors

The values are simple closed forms so the Swift tests can state them independently:
    f32  [2, 3]  float32  arange(6) * 0.5 - 1
    f64  [3]     float64  [1/3, -2.5, 1e300]
    f16  [2, 2]  float16  [0.5, -1.5, 65504, 2**-14]
    i64  [2]     int64    [-(2**62), 2**62 + 1]
    i32  [3]     int32    [-7, 0, 2**31 - 1]
    i16  [2]     int16    [-32768, 12345]
    i8   [2]     int8     [-128, 127]
    u8   [4]     uint8    [0, 1, 128, 255]
    bool [3]     bool     [True, False, True]
    empty [0, 4] float32  no elements
    metadata {"format": "pt", "source": "numpy"}
bf16.safetensors holds one bfloat16 tensor "bf16" [3] = [1.0, -2.0, 0.15625] (exact in bfloat16),
written through safetensors' low-level serializer since numpy has no bfloat16.
"""
import os
import sys

import numpy as np
import safetensors
from safetensors.numpy import save_file


def main(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    tensors = {
        "f32": (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3),
        "f64": np.array([1 / 3, -2.5, 1e300], dtype=np.float64),
        "f16": np.array([0.5, -1.5, 65504, 2**-14], dtype=np.float16).reshape(2, 2),
        "i64": np.array([-(2**62), 2**62 + 1], dtype=np.int64),
        "i32": np.array([-7, 0, 2**31 - 1], dtype=np.int32),
        "i16": np.array([-32768, 12345], dtype=np.int16),
        "i8": np.array([-128, 127], dtype=np.int8),
        "u8": np.array([0, 1, 128, 255], dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    save_file(tensors, os.path.join(folder, "numpy_all_dtypes.safetensors"),
              metadata={"format": "pt", "source": "numpy"})

    # bfloat16 is the top half of a float32; these values are exact in both.
    as_f32 = np.array([1.0, -2.0, 0.15625], dtype=np.float32)
    bf16 = (as_f32.view(np.uint32) >> 16).astype("<u2")
    spec = safetensors.TensorSpec(dtype="bfloat16", shape=[3], data_ptr=bf16.ctypes.data, data_len=bf16.nbytes)
    safetensors.serialize_file({"bf16": spec}, os.path.join(folder, "bf16.safetensors"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/safetensors")

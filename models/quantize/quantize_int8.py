#!/usr/bin/env python3
"""int8 variant of a base model version, made with onnxruntime.quantization.

  text tower   all-MiniLM-L6-v2: dynamic quantisation (int8 weights of MatMul/Gather, activations
               quantised per run), the usual choice for transformer encoders on CPU
  image tower  static QDQ quantisation (u8 activations, per-channel s8 weights), calibrated on
               256 training-split images of the dataset preprocessed exactly as serving does
  projection   copied unchanged (as the recipe exported it: float32, or float16-stored weights cast at load)

Writes <out>/ with image_encoder.onnx (int8), text_projection.onnx (copied),
all-minilm-l6-v2.int8.onnx and a model.json that is the source version's plus
text_tower.onnx_file / onnx_file_sha256 (read by models/sources/base.ts) and "quantized" notes.

Usage:
  python models/quantize/quantize_int8.py --base <base version dir> --minilm <dir with all-minilm-l6-v2.onnx> \
      --data ../shared/data/fashion-small --out <cache>/models/base-v2-int8
"""
import argparse
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from PIL import Image
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

SPLIT_SALT = "vitrina-split-v1"


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_heldout(pid):
    d = hashlib.sha256(f"{SPLIT_SALT}:{pid}".encode()).digest()
    return int.from_bytes(d[:4], "big") % 100 < 10


class Images(CalibrationDataReader):
    def __init__(self, data, model, count=256, batch=32):
        pre = model["image_preprocessing"]
        w, h = pre["resize"]["width"], pre["resize"]["height"]
        mean = np.array(pre["normalize"]["mean"], dtype=np.float32)
        std = np.array(pre["normalize"]["std"], dtype=np.float32)
        names = sorted(n for n in os.listdir(data / "images") if n.endswith(".jpg"))
        names = [n for n in names if not is_heldout(int(n[:-4]))][:count]
        arr = []
        for n in names:
            im = Image.open(data / "images" / n).convert("RGB")
            if im.size != (w, h):
                im = im.resize((w, h), Image.BILINEAR)
            x = (np.asarray(im, dtype=np.float32) / 255.0 - mean) / std
            arr.append(x.transpose(2, 0, 1))
        arr = np.stack(arr).astype(np.float32)
        self.batches = iter([{"pixel_values": arr[i:i + batch]} for i in range(0, len(arr), batch)])

    def get_next(self):
        return next(self.batches, None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--minilm", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    t0 = time.time()
    model = json.loads((args.base / "model.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / "tmp"
    tmp.mkdir(exist_ok=True)

    minilm_out = args.out / "all-minilm-l6-v2.int8.onnx"
    quant_pre_process(str(args.minilm / "all-minilm-l6-v2.onnx"), str(tmp / "minilm.pre.onnx"), skip_symbolic_shape=True)
    quantize_dynamic(str(tmp / "minilm.pre.onnx"), str(minilm_out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gemm"])

    image_src = args.base / model["image_encoder"]["file"]
    quant_pre_process(str(image_src), str(tmp / "image.pre.onnx"))
    image_out = args.out / "image_encoder.onnx"
    quantize_static(str(tmp / "image.pre.onnx"), str(image_out), Images(args.data, model), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True)
    shutil.copyfile(args.base / model["text_projection"]["file"], args.out / "text_projection.onnx")
    shutil.rmtree(tmp)

    version = f"{model.get('version', args.base.name)}-int8"
    model["version"] = version
    model["image_encoder"] = {**model["image_encoder"], "file": "image_encoder.onnx", "sha256": sha256_file(image_out)}
    model["text_projection"] = {**model["text_projection"], "file": "text_projection.onnx",
                                "sha256": sha256_file(args.out / "text_projection.onnx")}
    model["text_tower"] = {**model["text_tower"], "onnx_file": minilm_out.name, "onnx_file_sha256": sha256_file(minilm_out)}
    model["quantized"] = {
        "from_version": version[:-5],
        "text_tower": "onnxruntime.quantization.quantize_dynamic, int8 weights (per channel) of MatMul/Gemm",
        "image_encoder": "onnxruntime.quantization.quantize_static, QDQ, u8 activations, per-channel s8 weights, "
                         "MinMax calibration on 256 training-split images",
        "text_projection": "unchanged (copied from the base version)",
        "seconds": round(time.time() - t0, 1),
    }
    model.pop("metrics", None)  # measured on the float32 model; the int8 model's are measured by the benchmark
    (args.out / "model.json").write_text(json.dumps(model, indent=2) + "\n")
    for p in sorted(args.out.iterdir()):
        print(f"{p.name}  {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

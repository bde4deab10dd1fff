"""PyTorch baseline for the training throughput (images/s) of a NAS-Bench-201 network.

Builds the same network as the LibTorch implementation in training/src/networks.cpp
(Nb201CellImpl, ResNetBlockImpl, Nb201NetImpl) and times the same SGD step as
training/src/trainer.cpp (`step`, `measure_training_throughput`) on one fixed random batch,
so the C++ numbers can be compared with plain PyTorch on the same machine.

Run it with Debian's torch: /usr/bin/python3 bench/train_throughput.py --help
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EDGE_FROM = (0, 0, 1, 0, 1, 2)  # the official string's edge order: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3
EDGE_TO = (1, 2, 2, 3, 3, 3)
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
DEFAULT_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def parse_arch(s):
    """'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' -> six op names in edge order."""
    ops = []
    for j, node in enumerate(s.split("+"), start=1):
        tokens = [t for t in node.split("|") if t]
        if len(tokens) != j:
            raise ValueError(f"{s}: node {j} has {len(tokens)} inputs, expected {j}")
        for i, t in enumerate(tokens):
            op, _, src = t.partition("~")
            if op not in OPS or src != str(i):
                raise ValueError(f"{s}: bad edge '{t}' (expected one of {OPS} followed by ~{i})")
            ops.append(op)
    if len(ops) != 6:
        raise ValueError(f"{s}: expected 3 nodes")
    return ops


def relu_conv_bn(cin, cout, k, stride, pad):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout))


class ConvAvgPool3x3(nn.Module):
    """avg_pool_3x3 as the C++ computes it (training/src/networks.cpp, avg_pool_3x3): a depthwise
    convolution with a constant all-ones kernel divided by each window's in-image pixel count."""

    def forward(self, x):
        c, h, w = x.shape[1:]
        divisor = F.conv2d(x.new_ones(1, 1, h, w), x.new_ones(1, 1, 3, 3), padding=1)
        return F.conv2d(x, x.new_ones(c, 1, 3, 3), padding=1, groups=c) / divisor


FAST_POOL = False  # --fast-pool


def make_op(name, c):
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return relu_conv_bn(c, c, 1, 1, 0)
    if name == "nor_conv_3x3":
        return relu_conv_bn(c, c, 3, 1, 1)
    if FAST_POOL:
        return ConvAvgPool3x3()
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)  # avg_pool_3x3


class Cell(nn.Module):
    def __init__(self, c, ops):
        super().__init__()
        # live[j]: node j reaches node 3 through non-none edges.
        live = [False, False, False, True]
        for j in (2, 1, 0):
            live[j] = any(EDGE_FROM[e] == j and ops[e] != "none" and live[EDGE_TO[e]] for e in range(6))
        self.ops = nn.ModuleDict()  # every non-none edge is built, so parameter counts match
        self.edges = []  # (from, to, key) of the computed edges, in edge order
        for e, name in enumerate(ops):
            if name == "none":
                continue
            key = f"edge{e}_{EDGE_FROM[e]}{EDGE_TO[e]}"
            self.ops[key] = make_op(name, c)
            if live[EDGE_TO[e]]:
                self.edges.append((EDGE_FROM[e], EDGE_TO[e], key))

    def forward(self, x):
        node = [x, None, None, None]
        for j in (1, 2, 3):
            for src, dst, key in self.edges:
                if dst == j:
                    t = self.ops[key](node[src])
                    node[j] = t if node[j] is None else node[j] + t
            if node[j] is None:
                node[j] = torch.zeros_like(x)
        return node[3]


class ResNetBlock(nn.Module):
    def __init__(self, cin, planes):
        super().__init__()
        self.conv_a = relu_conv_bn(cin, planes, 3, 2, 1)
        self.conv_b = relu_conv_bn(planes, planes, 3, 1, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, stride=2, padding=0, ceil_mode=True),
                                        nn.Conv2d(cin, planes, 1, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Nb201Net(nn.Module):
    def __init__(self, ops, C, N, in_ch, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, C, 3, 1, 1, bias=False), nn.BatchNorm2d(C))
        blocks, c = [], C
        for stage in range(3):
            if stage > 0:
                blocks.append(ResNetBlock(c, C << stage))
                c = C << stage
            blocks += [Cell(c, ops) for _ in range(N)]
        self.cells = nn.Sequential(*blocks)
        self.lastact_bn = nn.BatchNorm2d(c)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = self.cells(self.stem(x))
        x = F.relu(self.lastact_bn(x))
        return self.classifier(x.mean((2, 3)))


def step(net, sgd, x, y):
    """trainer.cpp's step: returns (summed loss, correct) as tensors, without a sync."""
    sgd.zero_grad()
    logits = net(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    sgd.step()
    return loss.detach() * x.size(0), logits.detach().argmax(1).eq(y).sum()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default=DEFAULT_ARCH, help="NAS-Bench-201 architecture string")
    p.add_argument("--channels", type=int, default=16, help="C, the first stage's channels")
    p.add_argument("--cells", type=int, default=5, help="N, cells per stage")
    p.add_argument("--input", default="1x28x28", help="input shape CxHxW")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before the clock starts")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (0: leave the default)")
    p.add_argument("--repeat", type=int, default=1, help="measurements to take, each printed")
    p.add_argument("--profile", action="store_true", help="profile 3 steps instead and print the top ops")
    p.add_argument("--fast-pool", action="store_true", help="avg_pool_3x3 as the C++ computes it (a depthwise convolution)")
    a = p.parse_args()
    global FAST_POOL
    FAST_POOL = a.fast_pool
    in_ch, h, w = (int(v) for v in a.input.lower().split("x"))
    if a.steps < 1 or a.warmup < 0 or a.batch < 2:
        p.error("expected --steps >= 1, --warmup >= 0 and --batch >= 2 (BN needs 2 images)")

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    net = Nb201Net(parse_arch(a.arch), a.channels, a.cells, in_ch, a.classes)
    net.train()
    params = sum(t.numel() for t in net.parameters())
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(a.batch, in_ch, h, w, generator=gen)
    y = torch.randint(a.classes, (a.batch,), generator=gen)

    if a.profile:
        with torch.autograd.profiler.profile() as prof:
            for _ in range(3):
                step(net, sgd, x, y)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
        return

    for _ in range(a.repeat):
        for _ in range(a.warmup):
            step(net, sgd, x, y)
        t0 = time.perf_counter()
        for i in range(a.steps):
            loss, _ = step(net, sgd, x, y)
            if i == a.steps - 1:
                loss.item()
        rate = a.steps * a.batch / (time.perf_counter() - t0)
        print(f"python images/s: {rate:.1f} (threads {torch.get_num_threads()}, C {a.channels}, N {a.cells}, "
              f"batch {a.batch}, input {a.input}, params {params}{', fast pool' if a.fast_pool else ''})")


if __name__ == "__main__":
    main()

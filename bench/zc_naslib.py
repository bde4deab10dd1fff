"""NASLib's zero-cost proxies for NAS-Bench-201 cells in plain Python PyTorch: the speed baseline.

Scores NB201 cells (C=16, N=5) with the zero-cost proxies of NASLib (automl/NASLib, zerocost branch,
naslib/predictors/pruners/measures/*.py: grad_norm, plain, snip, grasp, fisher, synflow, jacov, epe_nas,
nwot, l2_norm, zen; params/flops from naslib/predictors/utils/pruners/measures/model_stats.py, i.e.
tensorwatch's counting rules; find_measures/sum_arr from naslib/predictors/pruners/predictive.py),
written the way NASLib writes them: a deepcopy of the network per measure (get_prunable_copy, then
`del` and gc.collect, as the measure decorator's force_clean does), forward hooks on nn.ReLU for nwot,
the Identity/`act` backward-hook trick and the per-channel broadcast (reshape_elements) for fisher,
grasp's two autograd.grad passes and Hessian-vector product, snip's weight masks, synflow with every
BatchNorm's forward replaced by the identity, net.double(), abs_() of the whole state_dict and an
all-ones input of batch 1, jacov/epe_nas with numpy's corrcoef and np.linalg.eig, nwot's slogdet, and
zen's Gaussian re-initialisation plus its running_var term. It times each proxy on each cell, so the
LibTorch implementation (`nas zc`, training/src/zero_cost.cpp) can be compared with "the same proxy in
Python PyTorch" in one run. The network is bench/train_throughput.py's Nb201Net, except that every
edge of a cell is computed (NASLib multiplies 'none' edges by zero and computes edges into nodes that
feed nothing, as the C++ does) and the final ReLU is an nn.ReLU module (nwot hooks it; zen reads its
output).

Scores follow NASLib's find_measures and ZeroCost.query: per-layer tensors summed with sum_arr (jacov,
epe_nas, nwot and zen are scalars), and synflow's stored value is the signed log (ln S, 0, -ln -S).
Unlike NASLib, a NaN or infinite score (or an exception) is written as an empty CSV field instead of
-1e8. The network is initialised from torch.manual_seed(--seed) before each cell is built (PyTorch's
default init), so every cell shares the same RNG start. The batch is drawn once per run:
torch.randn images and torch.randint labels from a torch.Generator seeded with --seed; zen's Gaussian
weights and inputs come from a generator seeded with --seed ^ 0x7e17 (the C++ does the same, but
module order and RNG use differ, so neither the batch nor zen's draws are meant to be bit-identical
with the C++ ones: compare speed and rank agreement only). Everything runs on the CPU in float32
(synflow float64), in train mode (BN batch statistics), as NASLib's NB201 data were computed.

Timing (time.perf_counter, wall): seconds_<proxy> covers that proxy on that cell, including the
deepcopy and the setup NASLib does for the measure; building the network (once per cell) is charged
to the first proxy in --proxies. params counts the parameters directly (no forward); flops runs
tensorwatch's rules with hooks on a deepcopy in eval mode with a torch.rand batch of 1.

The ResNet blocks' BatchNorms are affine, as in train_throughput.py and the C++ network: NASLib's stored
NB201 values agree (zc_params and zc_flops of naslib_zc_nb201_subset.csv equal this script's params and
flops exactly, e.g. 1.531546 M parameters for all-nor_conv_3x3 on CIFAR-10).

Run from the repository root with Debian's torch:
  /usr/bin/python3 bench/zc_naslib.py --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|' \\
      --proxies synflow,grad_norm,nwot --input 3x32x32 --classes 10 --threads 1 --out /tmp/zc.csv
  /usr/bin/python3 bench/zc_naslib.py --archs-file archs.txt --proxies all --out zc_python.csv
"""
import argparse
import copy
import csv
import gc
import math
import os
import sys
import time
import types
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_throughput as tt  # noqa: E402  (bench/train_throughput.py: Nb201Net, Cell, parse_arch)

PROXIES = ("flops", "params", "synflow", "grasp", "fisher", "grad_norm", "l2_norm", "plain", "nwot", "epe_nas",
           "jacov", "snip", "zen")

# ---------------------------------------------------------------------------------------------
# The network: train_throughput's Nb201Net with every edge computed and an nn.ReLU before the pool.


class FullCell(tt.Cell):
    """train_throughput.Cell (same modules, built in the same order, so the same init), but its forward
    computes every edge as NASLib's graph does: 'none' edges as x.mul(0.), and the edges into nodes that
    reach the output only through 'none' edges too (train_throughput.Cell skips those)."""

    def __init__(self, c, ops):
        super().__init__(c, ops)
        self.all_edges = []  # (from, to, key or None for 'none'), in edge order: sources ascending per node
        for e, name in enumerate(ops):
            key = None if name == "none" else f"edge{e}_{tt.EDGE_FROM[e]}{tt.EDGE_TO[e]}"
            self.all_edges.append((tt.EDGE_FROM[e], tt.EDGE_TO[e], key))

    def forward(self, x):
        node = [x, None, None, None]
        for j in (1, 2, 3):
            for src, dst, key in self.all_edges:
                if dst == j:
                    t = node[src].mul(0.0) if key is None else self.ops[key](node[src])
                    node[j] = t if node[j] is None else node[j] + t
        return node[3]


class ZcNet(tt.Nb201Net):
    """Nb201Net built with FullCell; the final ReLU is a module and the pre-pool features are exposed
    (NASLib's forward_before_global_avg_pool)."""

    def __init__(self, ops, C, N, in_ch, classes):
        saved = tt.Cell
        tt.Cell = FullCell  # Nb201Net.__init__ looks the cell class up in its module
        try:
            super().__init__(ops, C, N, in_ch, classes)
        finally:
            tt.Cell = saved
        self.lastact_relu = nn.ReLU()  # no parameters, draws nothing from the RNG

    def forward_before_global_avg_pool(self, x):
        return self.lastact_relu(self.lastact_bn(self.cells(self.stem(x))))

    def forward(self, x):
        return self.classifier(self.forward_before_global_avg_pool(x).mean((2, 3)))


# ---------------------------------------------------------------------------------------------
# NASLib's helpers (p_utils.py, predictive.py, measures/__init__.py).


def weight_layers(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def get_layer_metric_array(net, metric):
    return [metric(layer) for layer in weight_layers(net)]


def sum_arr(arr):
    total = 0.0
    for t in arr:
        total += torch.sum(t)
    return total.item()


def _no_op(self, x):
    return x


def get_prunable_copy(net, bn=True):
    """NASLib's Graph.get_prunable_copy: a deepcopy; with bn=False every BatchNorm forward is the identity."""
    new = copy.deepcopy(net)
    if not bn:
        for m in new.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                m.forward = types.MethodType(_no_op, m)
    return new


def clean(net):
    """The measure decorator's force_clean (torch.cuda.empty_cache is a no-op on the CPU)."""
    del net
    gc.collect()


# ---------------------------------------------------------------------------------------------
# The measures. Each takes the original (untouched) network and returns the raw score.


def m_grad_norm(net0, x, y):
    net = get_prunable_copy(net0)
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    s = sum_arr(get_layer_metric_array(
        net, lambda l: l.weight.grad.norm() if l.weight.grad is not None else torch.zeros_like(l.weight)))
    clean(net)
    return s


def m_plain(net0, x, y):
    net = get_prunable_copy(net0)
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    s = sum_arr(get_layer_metric_array(
        net, lambda l: l.weight.grad * l.weight if l.weight.grad is not None else torch.zeros_like(l.weight)))
    clean(net)
    return s


def _snip_forward_conv2d(self, x):
    return F.conv2d(x, self.weight * self.weight_mask, self.bias, self.stride, self.padding, self.dilation, self.groups)


def _snip_forward_linear(self, x):
    return F.linear(x, self.weight * self.weight_mask, self.bias)


def m_snip(net0, x, y):
    net = get_prunable_copy(net0)
    for layer in weight_layers(net):
        layer.weight_mask = nn.Parameter(torch.ones_like(layer.weight))
        layer.weight.requires_grad = False
        fwd = _snip_forward_conv2d if isinstance(layer, nn.Conv2d) else _snip_forward_linear
        layer.forward = types.MethodType(fwd, layer)
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    s = sum_arr(get_layer_metric_array(
        net, lambda l: torch.abs(l.weight_mask.grad) if l.weight_mask.grad is not None
        else torch.zeros_like(l.weight)))
    clean(net)
    return s


def m_grasp(net0, x, y, T=1):
    net = get_prunable_copy(net0)
    weights = []
    for layer in weight_layers(net):
        weights.append(layer.weight)
        layer.weight.requires_grad_(True)
    net.zero_grad()
    grad_w = list(torch.autograd.grad(F.cross_entropy(net(x) / T, y), weights, allow_unused=True))
    grad_f = torch.autograd.grad(F.cross_entropy(net(x) / T, y), weights, create_graph=True, allow_unused=True)
    z = 0
    for gw, gf in zip(grad_w, grad_f):
        if gw is not None:
            z += (gw.data * gf).sum()
    z.backward()
    s = sum_arr(get_layer_metric_array(
        net, lambda l: -l.weight.data * l.weight.grad if l.weight.grad is not None else torch.zeros_like(l.weight)))
    clean(net)
    return s


def _fisher_forward_conv2d(self, x):
    x = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
    self.act = self.dummy(x)
    return self.act


def _fisher_forward_linear(self, x):
    x = F.linear(x, self.weight, self.bias)
    self.act = self.dummy(x)
    return self.act


def _fisher_hook_factory(layer):
    def hook(module, grad_input, grad_output):
        act = layer.act.detach()
        grad = grad_output[0].detach()
        if len(act.shape) > 2:
            g_nk = torch.sum((act * grad), list(range(2, len(act.shape))))
        else:
            g_nk = act * grad
        del_k = g_nk.pow(2).mean(0).mul(0.5)
        if layer.fisher is None:
            layer.fisher = del_k
        else:
            layer.fisher += del_k
        del layer.act
    return hook


def _reshape_elements(elements, shapes):
    """NASLib's p_utils.reshape_elements: each channel value broadcast to the weight's shape[1:]."""
    return [torch.stack([torch.Tensor(sh).fill_(v) for v in e], dim=0) for e, sh in zip(elements, shapes)]


def m_fisher(net0, x, y):
    net = get_prunable_copy(net0)
    net.train()
    for layer in weight_layers(net):
        layer.fisher = None
        layer.act = 0.0
        layer.dummy = nn.Identity()
        fwd = _fisher_forward_conv2d if isinstance(layer, nn.Conv2d) else _fisher_forward_linear
        layer.forward = types.MethodType(fwd, layer)
        layer.dummy.register_backward_hook(_fisher_hook_factory(layer))
    net.zero_grad()
    F.cross_entropy(net(x), y).backward()
    ch = get_layer_metric_array(
        net, lambda l: torch.abs(l.fisher.detach()) if l.fisher is not None else torch.zeros(l.weight.shape[0]))
    shapes = get_layer_metric_array(net, lambda l: l.weight.shape[1:])
    s = sum_arr(_reshape_elements(ch, shapes))
    clean(net)
    return s


def m_synflow(net0, x, y):
    net = get_prunable_copy(net0, bn=False)
    with torch.no_grad():  # linearize
        signs = {}
        for name, param in net.state_dict().items():
            signs[name] = torch.sign(param)
            param.abs_()
    net.zero_grad()
    net.double()
    inputs = torch.ones([1] + list(x[0, :].shape)).double()
    output = net.forward(inputs)
    torch.sum(output).backward()
    arr = get_layer_metric_array(
        net, lambda l: torch.abs(l.weight * l.weight.grad) if l.weight.grad is not None else torch.zeros_like(l.weight))
    with torch.no_grad():  # nonlinearize (on the copy only)
        for name, param in net.state_dict().items():
            if "weight_mask" not in name:
                param.mul_(signs[name])
    s = sum_arr(arr)
    clean(net)
    return s


def _batch_jacobian(net, x):
    x = x.clone()  # NASLib sets requires_grad on the shared batch; a clone keeps its .grad per measure
    x.requires_grad_(True)
    out = net(x)
    out.backward(torch.ones_like(out))
    jacob = x.grad.detach()
    x.requires_grad_(False)
    return jacob, out.shape[-1]


def m_jacov(net0, x, y):
    net = get_prunable_copy(net0)
    net.zero_grad()
    try:
        jacob, _ = _batch_jacobian(net, x)
        jacob = jacob.reshape(jacob.size(0), -1).cpu().numpy()
        corrs = np.corrcoef(jacob)
        v, _ = np.linalg.eig(corrs)
        k = 1e-5
        jc = -np.sum(np.log(v + k) + 1.0 / (v + k))
    except Exception:  # NASLib prints it and returns NaN
        jc = np.nan
    clean(net)
    return jc


def _epe_eval_score_perclass(jacob, labels, n_classes):
    k = 1e-5
    per_class = {}
    for i, label in enumerate(labels[0]):
        if label in per_class:
            per_class[label] = np.vstack((per_class[label], jacob[i]))
        else:
            per_class[label] = jacob[i]
    ind = {}
    for c in per_class.keys():
        try:
            corrs = np.array(np.corrcoef(per_class[c]))
            s = np.sum(np.log(abs(corrs) + k))
            if n_classes > 100:
                s /= len(corrs)  # a 1-sample class: len() of a 0-d array raises, and the class is skipped
        except Exception:
            continue
        ind[c] = s
    score = 0
    if n_classes <= 100:
        for c in ind:
            score += np.absolute(ind[c])
    else:
        for c in ind:
            for cj in ind:
                score += np.absolute(ind[c] - ind[cj])
        score /= len(ind)
    return score


def m_epe_nas(net0, x, y):
    net = get_prunable_copy(net0)
    net.zero_grad()
    try:
        jacob, n_classes = _batch_jacobian(net, x)
        jacobs = np.concatenate([jacob.reshape(jacob.size(0), -1).detach().cpu().numpy()], axis=0)
        labels = [y.detach().cpu().numpy()]
        s = _epe_eval_score_perclass(jacobs, labels, n_classes)
    except Exception:
        s = np.nan
    clean(net)
    return s


def m_nwot(net0, x, y):
    net = get_prunable_copy(net0)
    batch_size = len(y)

    def counting_forward_hook(module, inp, out):
        inp = inp[0].view(inp[0].size(0), -1)
        a = (inp > 0).float()
        K = a @ a.t()
        K2 = (1.0 - a) @ (1.0 - a.t())
        net.K = net.K + K.cpu().numpy() + K2.cpu().numpy()

    def counting_backward_hook(module, inp, out):
        module.visited_backwards = True

    net.K = np.zeros((batch_size, batch_size))
    for _, module in net.named_modules():
        module_type = str(type(module))
        if ("ReLU" in module_type) and ("naslib" not in module_type):
            module.register_forward_hook(counting_forward_hook)
            module.register_backward_hook(counting_backward_hook)
    net(torch.clone(x))
    _, ld = np.linalg.slogdet(net.K)
    clean(net)
    return ld


def m_zen(net0, x, y, seed=0, mixup_gamma=1e-2):
    net = get_prunable_copy(net0)
    gen = torch.Generator().manual_seed(seed ^ 0x7E17)  # NASLib draws from the global RNG
    with torch.no_grad():
        for m in net.modules():  # network_weight_gaussian_init
            if isinstance(m, nn.Conv2d):
                m.weight.normal_(0, 1, generator=gen)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                if m.affine:
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, 1, generator=gen)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        inp = torch.randn(list(x.shape), generator=gen, dtype=torch.float32)
        inp2 = torch.randn(list(x.shape), generator=gen, dtype=torch.float32)
        mixup_input = inp + mixup_gamma * inp2
        output = net.forward_before_global_avg_pool(inp)
        mixup_output = net.forward_before_global_avg_pool(mixup_input)
        nas_score = torch.mean(torch.sum(torch.abs(output - mixup_output), dim=[1, 2, 3]))
        log_bn_scaling_factor = 0.0
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                log_bn_scaling_factor += torch.log(torch.sqrt(torch.mean(m.running_var)))
        nas_score = torch.log(nas_score) + log_bn_scaling_factor
        s = float(np.mean([float(nas_score)]))
    clean(net)
    return s


def m_l2_norm(net0, x, y):  # copy_net=False
    return sum_arr(get_layer_metric_array(net0, lambda l: l.weight.norm()))


def m_params(net0, x, y):
    return sum(p.numel() for p in net0.parameters()) / 1e6


def m_flops(net0, x, y):
    """tensorwatch's torchstat rules (spec 3.12) on a deepcopy in eval mode, batch 1 of torch.rand."""
    net = copy.deepcopy(net0)
    net.eval()
    total = [0]

    def hook(m, inp, out):
        i = inp[0]
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            f = kh * kw * (m.in_channels // m.groups) * out.numel()
            total[0] += f + (out.numel() if m.bias is not None else 0)
        elif isinstance(m, nn.BatchNorm2d):
            total[0] += i.numel() * (2 if m.affine else 1)
        elif isinstance(m, nn.ReLU):
            total[0] += i.numel()
        elif isinstance(m, nn.AvgPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            total[0] += out.numel() * k * k
        elif isinstance(m, nn.Linear):
            total[0] += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.AvgPool2d, nn.Linear))]
    with torch.no_grad():
        feats = net.forward_before_global_avg_pool(torch.rand([1] + list(x.shape[1:])))
        net.classifier(feats.mean((2, 3)))
    c, h, w = feats.shape[1:]
    total[0] += c * (h + 1) * (w + 1)  # AdaptiveAvgPool2d(1), torchstat's "+1"
    for hd in handles:
        hd.remove()
    del net
    return total[0] / 1e6


MEASURES = {"flops": m_flops, "params": m_params, "synflow": m_synflow, "grasp": m_grasp, "fisher": m_fisher,
            "grad_norm": m_grad_norm, "l2_norm": m_l2_norm, "plain": m_plain, "nwot": m_nwot, "epe_nas": m_epe_nas,
            "jacov": m_jacov, "snip": m_snip, "zen": m_zen}


def finish(name, raw):
    """ZeroCost.query's post-processing, except that NaN/inf stays NaN (written as an empty field)."""
    try:
        s = float(np.real(raw))
    except (TypeError, ValueError):
        return math.nan
    if not math.isfinite(s):
        return math.nan
    if name == "synflow":
        s = 0.0 if s == 0 else (math.log(s) if s > 0 else -math.log(-s))
    return s


def score_cell(arch, proxies, a, shape, x, y):
    """Returns ({proxy: score}, {proxy: seconds}) for one cell."""
    scores, secs = {}, {}
    t0 = time.perf_counter()
    torch.manual_seed(a.seed)
    net = ZcNet(tt.parse_arch(arch), 16, 5, shape[0], a.classes)
    net.train()
    for name in proxies:
        try:
            raw = MEASURES[name](net, x, y, seed=a.seed) if name == "zen" else MEASURES[name](net, x, y)
        except Exception as e:  # NASLib's runner drops the architecture; here only the field is empty
            print(f"{arch}: {name} failed: {e}", file=sys.stderr)
            raw = math.nan
        t1 = time.perf_counter()
        scores[name] = finish(name, raw)
        secs[name] = t1 - t0
        t0 = time.perf_counter()
    return scores, secs


def fmt(v):
    return "" if v is None or not math.isfinite(v) else repr(float(v))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", action="append", default=[], help="NAS-Bench-201 architecture string (repeatable)")
    p.add_argument("--archs-file", help="a file with one architecture string a line")
    p.add_argument("--proxies", default="all", help=f"comma list of {','.join(PROXIES)}, or 'all'")
    p.add_argument("--input", default="3x32x32", help="input shape CxHxW")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0, help="initial weights (torch.manual_seed per cell), batch, zen's draws")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (0: leave the default)")
    p.add_argument("--out", help="CSV file (default: standard output)")
    a = p.parse_args()

    archs = list(a.arch)
    if a.archs_file:
        with open(a.archs_file) as f:
            archs += [line.strip() for line in f if line.strip() and not line.startswith("#")]
    if not archs:
        p.error("no architectures: give --arch or --archs-file")
    for s in archs:
        try:
            tt.parse_arch(s)
        except ValueError as e:
            p.error(str(e))
    proxies = list(PROXIES) if a.proxies == "all" else [t.strip() for t in a.proxies.split(",") if t.strip()]
    bad = [t for t in proxies if t not in MEASURES]
    if bad or not proxies:
        p.error(f"unknown proxies {bad}; expected a comma list of {', '.join(PROXIES)}")
    try:
        shape = tuple(int(v) for v in a.input.lower().split("x"))
        assert len(shape) == 3 and min(shape) > 0
    except (ValueError, AssertionError):
        p.error(f"--input {a.input}: expected CxHxW")
    if a.batch < 2 or a.classes < 1:
        p.error("expected --batch >= 2 (train-mode BN) and --classes >= 1")

    warnings.filterwarnings("ignore")  # legacy backward hooks (fisher, nwot) and numpy's log of negatives
    np.seterr(all="ignore")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)
    x = torch.randn(a.batch, *shape, generator=gen)
    y = torch.randint(a.classes, (a.batch,), generator=gen)

    out = open(a.out, "w", newline="") if a.out else sys.stdout
    try:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["arch"] + proxies + [f"seconds_{t}" for t in proxies])
        for arch in archs:
            scores, secs = score_cell(arch, proxies, a, shape, x, y)
            w.writerow([arch] + [fmt(scores[t]) for t in proxies] + [f"{secs[t]:.6f}" for t in proxies])
            out.flush()
    finally:
        if a.out:
            out.close()


if __name__ == "__main__":
    main()

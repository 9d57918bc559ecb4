"""l2o.torch's element-wise optimizers against torch.optim's on the same MLP, initialisation,
batches and hyper-parameters: equal to 1e-10 over 100 float64 steps where the definitions agree,
and the one difference in definition (momentum's velocity holds the learning rate) pinned."""
import copy
import os

import pytest
import torch

import l2o
import l2o._paths
import l2o.torch
from conftest import batches, small_mlp

STEPS = 100
TOL = 1e-10


def run(model, opt, data):
    loss_fn = torch.nn.CrossEntropyLoss()
    for x, y in data:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in model.parameters()]


def max_diff(a, b):
    return max((u - v).abs().max().item() for u, v in zip(a, b))


# (l2o.torch optimizer with keywords, the torch.optim optimizer with the same definition)
PAIRS = {
    "sgd": (lambda p: l2o.torch.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum": (lambda p: l2o.torch.Momentum(p, lr=0.05, momentum=0.9),
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "nesterov": (lambda p: l2o.torch.Momentum(p, lr=0.05, momentum=0.9, nesterov=True),
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda p: l2o.torch.AdaGrad(p, lr=0.1, eps=1e-10),
                lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10)),
    "adam": (lambda p: l2o.torch.Adam(p, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
             lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    # l2o's names for torch's alpha and betas (rho, beta1/beta2) are aliases.
    "rmsprop": (lambda p: l2o.torch.RMSprop(p, lr=0.01, rho=0.9, eps=1e-8, momentum=0.0),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "rmsprop-momentum": (lambda p: l2o.torch.RMSprop(p, lr=0.005, rho=0.9, eps=1e-8, momentum=0.5),
                         lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-8, momentum=0.5)),
    # torch's names and classes, with the same arguments as torch.optim.
    "torch-sgd-momentum": (lambda p: l2o.torch.SGD(p, lr=0.05, momentum=0.9),
                           lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "torch-sgd-nesterov": (lambda p: l2o.torch.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                           lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "torch-adagrad": (lambda p: l2o.torch.Adagrad(p, lr=0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    "torch-adam": (lambda p: l2o.torch.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-7),
                   lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-7)),
    "torch-rmsprop": (lambda p: l2o.torch.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.5),
                      lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.5)),
    # Defaults: torch's, argument for argument (SGD's lr has none in torch 1.13: 1e-3, torch 2's).
    "default-adam": (lambda p: l2o.torch.Adam(p), lambda p: torch.optim.Adam(p)),
    "default-adagrad": (lambda p: l2o.torch.Adagrad(p), lambda p: torch.optim.Adagrad(p)),
    "default-rmsprop": (lambda p: l2o.torch.RMSprop(p, lr=0.001), lambda p: torch.optim.RMSprop(p, lr=0.001)),
    "default-sgd-momentum": (lambda p: l2o.torch.SGD(p, momentum=0.9, lr=0.05),
                             lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_matches_torch_optim(name):
    make_l2o, make_torch = PAIRS[name]
    data = batches(STEPS)
    a = small_mlp()
    b = copy.deepcopy(a)
    start = [p.detach().clone() for p in a.parameters()]
    pa = run(a, make_l2o(a.parameters()), data)
    pb = run(b, make_torch(b.parameters()), data)
    assert max_diff(pa, start) > 1e-2  # the runs moved
    assert max_diff(pa, pb) <= TOL


def test_momentum_velocity_holds_the_learning_rate():
    # l2o keeps v = -lr * (torch's buffer), so a new lr applies to the next gradient only; torch
    # rescales the whole buffer. After k steps at lr a, one step at lr b:
    #   l2o:   delta = mu v - b g        with v = -a buf
    #   torch: delta = -b (mu buf + g)
    a_lr, b_lr, mu = 0.05, 0.01, 0.9
    data = batches(11)
    m1 = small_mlp()
    m2 = copy.deepcopy(m1)
    o1 = l2o.torch.Momentum(m1.parameters(), lr=a_lr, momentum=mu)
    o2 = torch.optim.SGD(m2.parameters(), lr=a_lr, momentum=mu)
    run(m1, o1, data[:10])
    run(m2, o2, data[:10])
    before = [p.detach().clone() for p in m1.parameters()]
    bufs = [o2.state[p]["momentum_buffer"].clone() for p in m2.parameters()]
    for o in (o1, o2):
        for g in o.param_groups:
            g["lr"] = b_lr
    after1 = run(m1, o1, data[10:])
    after2 = run(m2, o2, data[10:])
    grads = [p.grad.clone() for p in m1.parameters()]
    expected_l2o = [x + mu * (-a_lr * buf) - b_lr * g for x, buf, g in zip(before, bufs, grads)]
    expected_torch = [x - b_lr * (mu * buf + g) for x, buf, g in zip(before, bufs, grads)]
    assert max_diff(after1, expected_l2o) <= TOL
    assert max_diff(after2, expected_torch) <= TOL
    assert max_diff(after1, after2) > 1e-4  # the difference is real


def test_float32_parameters_track_torch():
    # The C++ step is float64; float32 parameters are rounded once per step when written back.
    data = batches(STEPS, dtype=torch.float32)
    a = small_mlp(torch.float32)
    b = copy.deepcopy(a)
    pa = run(a, l2o.torch.Adam(a.parameters(), lr=0.01), data)
    pb = run(b, torch.optim.Adam(b.parameters(), lr=0.01), data)
    assert all(p.dtype == torch.float32 for p in pa)
    assert max_diff(pa, pb) <= 1e-5


def test_defaults_are_torchs_and_tuned_values_are_opt_in(tmp_path, monkeypatch):
    m = small_mlp()
    # Nothing is read from the working directory or $L2O_TUNED: a tuned-values file there changes nothing.
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "tuned.json").write_text('{"optimizers": {"adam": {"hyper": {"lr": 0.123}}}}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("L2O_TUNED", str(tmp_path / "configs" / "tuned.json"))
    torch_defaults = {
        l2o.torch.SGD: dict(lr=1e-3),
        l2o.torch.Adam: dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
        l2o.torch.Adagrad: dict(lr=1e-2, eps=1e-10, lr_decay=0, weight_decay=0, initial_accumulator_value=0),
        l2o.torch.RMSprop: dict(lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0, centered=False),
    }
    for cls, values in torch_defaults.items():
        group = cls(m.parameters()).param_groups[0]
        ref = getattr(torch.optim, cls.__name__)(m.parameters(), lr=1e-3).param_groups[0] if cls is l2o.torch.SGD \
            else getattr(torch.optim, cls.__name__)(m.parameters()).param_groups[0]
        for k, v in values.items():
            if k in group:
                assert group[k] == v == ref[k], (cls.__name__, k, group[k], ref[k])
    assert l2o.torch.Momentum(m.parameters()).param_groups[0]["momentum"] == 0.9
    # CG and L-BFGS: the C++ defaults (the papers' values).
    for cls, name in [(l2o.torch.CG, "cg"), (l2o.torch.LBFGS, "lbfgs")]:
        group = cls(m.parameters()).param_groups[0]
        for k, v in l2o.default_hyper(name).items():
            assert group[k] == v, (name, k)
    # tuned=True: `l2o train`'s values, the shipped configs/tuned.json (never ./configs) over the C++
    # defaults; a keyword still overrides one value.
    shipped = l2o._paths.shipped_tuned_path()
    assert os.path.isabs(shipped) and os.path.exists(shipped) and not shipped.startswith(str(tmp_path))
    for cls, name in [(l2o.torch.SGD, "sgd"), (l2o.torch.Momentum, "momentum"), (l2o.torch.Adam, "adam"),
                      (l2o.torch.RMSprop, "rmsprop"), (l2o.torch.Adagrad, "adagrad"), (l2o.torch.CG, "cg"),
                      (l2o.torch.LBFGS, "lbfgs")]:
        opt = cls(m.parameters(), tuned=True)
        tuned = l2o.tuned_hyper(name, l2o._paths.shipped_tuned_path())
        assert tuned and opt._native_hyper == {**l2o.default_hyper(name), **tuned}, (name, opt._native_hyper, tuned)
    assert l2o.torch.RMSprop(m.parameters(), tuned=True).param_groups[0]["alpha"] == \
        {**l2o.default_hyper("rmsprop"), **l2o.tuned_hyper("rmsprop", l2o._paths.shipped_tuned_path())}["rho"]
    assert l2o.torch.Adam(m.parameters(), tuned=True, lr=0.5).param_groups[0]["lr"] == 0.5
    # tuned=PATH: that file.
    assert l2o.torch.Adam(m.parameters(), tuned="configs/tuned.json").param_groups[0]["lr"] == 0.123
    # SGD with momentum takes the tuned values of l2o's momentum optimizer.
    assert l2o.torch.SGD(m.parameters(), momentum=0.9, tuned=True).l2o_name == "momentum"


def test_lr_scheduler_changes_the_step():
    # A schedule on group["lr"] reaches the C++ optimizer; with SGD the step is exactly -lr g.
    m = small_mlp()
    opt = l2o.torch.SGD(m.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    x, y = batches(1)[0]
    for lr in (0.1, 0.05, 0.025):
        before = [p.detach().clone() for p in m.parameters()]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
        for p, b in zip(m.parameters(), before):
            assert torch.allclose(p, b - lr * p.grad, atol=1e-15, rtol=0)
        sched.step()

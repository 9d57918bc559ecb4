"""l2o.torch's element-wise optimizers against torch.optim's on the same MLP, initialisation,
batches and hyper-parameters: equal to 1e-10 over 100 float64 steps where the definitions agree,
and the one difference in definition (momentum's velocity holds the learning rate) pinned."""
import copy

import pytest
import torch

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
    # torch calls rho `alpha` (default 0.99; l2o's default is 0.9). momentum=0 must be given:
    # l2o.torch's default is the tuned momentum, 0.5.
    "rmsprop": (lambda p: l2o.torch.RMSprop(p, lr=0.01, rho=0.9, eps=1e-8, momentum=0.0),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "rmsprop-momentum": (lambda p: l2o.torch.RMSprop(p, lr=0.005, rho=0.9, eps=1e-8, momentum=0.5),
                         lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-8, momentum=0.5)),
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


def test_defaults_are_the_tuned_values():
    m = small_mlp()
    for cls, name in [(l2o.torch.SGD, "sgd"), (l2o.torch.Momentum, "momentum"), (l2o.torch.Adam, "adam"),
                      (l2o.torch.RMSprop, "rmsprop"), (l2o.torch.AdaGrad, "adagrad"), (l2o.torch.CG, "cg"),
                      (l2o.torch.LBFGS, "lbfgs")]:
        group = cls(m.parameters()).param_groups[0]
        for k, v in l2o.tuned_hyper(name).items():
            assert group[k] == v, (name, k)
        # keys the tuner did not choose keep the C++ defaults
        for k, v in l2o.default_hyper(name).items():
            assert k in group
    assert l2o.torch.Adam(m.parameters(), tuned=False).param_groups[0]["lr"] == l2o.default_hyper("adam")["lr"]
    assert l2o.torch.Adam(m.parameters(), lr=0.5).param_groups[0]["lr"] == 0.5


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

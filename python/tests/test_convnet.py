"""A small conv net (float32, the usual torch setting) trained with l2o.torch: PSD lowers the loss,
and for every optimizer a state_dict round trip through torch.save resumes exactly where an
uninterrupted run is."""
import copy
import io

import pytest
import torch

import l2o.torch


def image_data(count=96, classes=3, seed=0):
    # Seeded 1x8x8 images: a class-specific pattern plus noise.
    g = torch.Generator().manual_seed(seed)
    patterns = torch.randn(classes, 1, 8, 8, generator=g)
    y = torch.randint(0, classes, (count,), generator=g)
    x = patterns[y] + 0.7 * torch.randn(count, 1, 8, 8, generator=g)
    return x, y


def conv_net(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 3, 3))


def minibatches(x, y, steps, batch=16, seed=1):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(y), (batch,), generator=g)
        yield x[idx], y[idx]


def train(model, opt, batches):
    for bx, by in batches:
        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(bx), by)
            loss.backward()
            return loss
        opt.step(closure)


def full_loss(model, x, y):
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(x), y).item()


def test_psd_lowers_the_loss_of_a_conv_net():
    x, y = image_data()
    model = conv_net()
    opt = l2o.torch.PSD(model)
    # The layout: conv and linear weights are weight groups, their biases bias groups, and the
    # last module's parameters (the Linear) the output layer.
    assert [(g.kind, g.output_layer) for g in opt.layout.groups] == \
           [("weight", False), ("bias", False), ("weight", True), ("bias", True)]
    before = full_loss(model, x, y)
    train(model, opt, minibatches(x, y, 60))
    after = full_loss(model, x, y)
    assert after < 0.8 * before, (before, after)


def optimizers():
    return {
        "psd": lambda p: l2o.torch.PSD(p), "l2l": lambda p: l2o.torch.L2L(p),
        "sgd": lambda p: l2o.torch.SGD(p, lr=0.1), "momentum": lambda p: l2o.torch.Momentum(p, lr=0.05),
        "cg": lambda p: l2o.torch.CG(p), "lbfgs": lambda p: l2o.torch.LBFGS(p),
        "adagrad": lambda p: l2o.torch.AdaGrad(p), "adam": lambda p: l2o.torch.Adam(p),
        "rmsprop": lambda p: l2o.torch.RMSprop(p),
    }


@pytest.mark.parametrize("name", sorted(optimizers()))
def test_state_dict_resume_equals_an_uninterrupted_run(name):
    make = optimizers()[name]
    x, y = image_data()
    steps, stop = 12, 5
    batches = list(minibatches(x, y, steps))

    straight = conv_net()
    start = copy.deepcopy(straight.state_dict())
    train(straight, make(straight.parameters()), batches)

    first = conv_net()
    first.load_state_dict(start)
    opt = make(first.parameters())
    train(first, opt, batches[:stop])
    buffer = io.BytesIO()
    torch.save({"model": first.state_dict(), "opt": opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer)

    resumed = conv_net(seed=99)  # other initial values, all overwritten by the checkpoint
    resumed.load_state_dict(saved["model"])
    opt2 = make(resumed.parameters())
    opt2.load_state_dict(saved["opt"])
    train(resumed, opt2, batches[stop:])

    moved = max((a - b).abs().max().item() for a, b in zip(straight.parameters(), conv_net().parameters()))
    assert moved > 0
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b)

"""Every optimizer through l2o.torch takes the same steps as the C++ train loop (`l2o train`,
l2o.train) on the same task, initialisation and minibatches: the torch parameters are views of
the task's flat vector, their gradients come from the task itself, and the final parameters must
be equal to the bit. For CG and L-BFGS this also checks that the closure serves the C++ line
search exactly as the train loop's evaluation callback does."""
import numpy as np
import pytest
import torch

import l2o
import l2o.torch

ITERS, BATCH, SEED = 25, 16, 3
CLASSES = {"sgd": l2o.torch.SGD, "momentum": l2o.torch.Momentum, "cg": l2o.torch.CG, "lbfgs": l2o.torch.LBFGS,
           "adagrad": l2o.torch.AdaGrad, "adam": l2o.torch.Adam, "rmsprop": l2o.torch.RMSprop,
           "psd": l2o.torch.PSD, "l2l": l2o.torch.L2L}


def torch_params(task, x):
    # The task stores W_l (fan_out x fan_in) column-major: the memory of a (fan_in, fan_out) C-order
    # tensor. Both are weight groups; l2o's optimizers act coordinatewise within a group. The
    # optimizers are told this orientation (weight_layout "in_out"), so that their groups have the
    # task's fan-ins (PSD's width-aware step factors depend on them).
    params = []
    for g in task.layout.groups:
        chunk = torch.tensor(x[g.offset:g.offset + g.size])
        shape = (g.cols, g.rows) if g.kind == "weight" else (g.rows,)
        params.append(chunk.view(shape).clone().requires_grad_())
    return params


def flat(params):
    return torch.cat([p.detach().reshape(-1) for p in params]).numpy()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_same_steps_as_the_cpp_train_loop(task, name):
    learned = name in ("psd", "l2l")
    hyper = None if learned else l2o.tuned_hyper(name)
    reference = l2o.train(task, name, hyper=hyper, iters=ITERS, batch=BATCH, seed=SEED)
    assert not reference.diverged

    params = torch_params(task, task.initial_params(SEED))
    # PSD is told the minibatch size, as the train loop tells it (the default policy's batch-aware steps).
    extra = {"batch_size": BATCH} if name == "psd" else {}
    if not learned:
        extra = {"tuned": True}  # the train loop's values (the C++ test environment reads the shipped file)
    opt = CLASSES[name]([{"params": params, "weight_layout": "in_out"}], **extra)
    groups = task.layout.groups
    # Same groups as the task: kinds, output-layer flags, sizes and offsets.
    assert [(g.kind, g.output_layer, g.offset, g.rows, g.cols) for g in opt.layout.groups] == \
           [(g.kind, g.output_layer, g.offset, g.rows, g.cols) for g in groups]
    sampler = l2o.MinibatchSampler(task.train_count, BATCH, SEED)
    batch = None
    losses = []

    def closure():
        loss, grad = task.loss_grad(flat(params), batch)
        for p, g in zip(params, groups):
            p.grad = torch.from_numpy(grad[g.offset:g.offset + g.size].copy()).view(p.shape)
        return loss

    for _ in range(ITERS):
        batch = sampler.next()
        losses.append(opt.step(closure))
    np.testing.assert_array_equal(flat(params), reference.final_params)
    np.testing.assert_array_equal(np.array(losses), reference.trace["minibatch_loss"][1:])


def test_psd_with_step_loss_equals_step_closure(task):
    # step(loss=...) after backward is the same step as step(closure).
    x0 = task.initial_params(SEED)
    runs = []
    for use_closure in (True, False):
        params = torch_params(task, x0)
        opt = l2o.torch.PSD(params)
        sampler = l2o.MinibatchSampler(task.train_count, BATCH, SEED)
        for _ in range(10):
            batch = sampler.next()
            loss, grad = task.loss_grad(flat(params), batch)
            for p, g in zip(params, task.layout.groups):
                p.grad = torch.from_numpy(grad[g.offset:g.offset + g.size].copy()).view(p.shape)
            if use_closure:
                opt.step(lambda: loss)
            else:
                opt.step(loss=torch.tensor(loss, dtype=torch.float64))  # a float32 tensor would round it
        runs.append(flat(params))
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("name", ["psd", "l2l", "adam"])
def test_native_optimizer_on_numpy_equals_the_train_loop(task, name):
    # The plain l2o.Optimizer API (numpy in, numpy out) on the task's own gradients.
    opt = l2o.make_optimizer(name)
    opt.batch_size = BATCH  # as the train loop says it (read only by batch-aware PSD policies)
    opt.init(task.layout)
    x = task.initial_params(SEED)
    sampler = l2o.MinibatchSampler(task.train_count, BATCH, SEED)
    for _ in range(ITERS):
        loss, grad = task.loss_grad(x, sampler.next())
        x = x + opt.step(x, grad, loss=loss)
    reference = l2o.train(task, name, iters=ITERS, batch=BATCH, seed=SEED)
    np.testing.assert_array_equal(x, reference.final_params)

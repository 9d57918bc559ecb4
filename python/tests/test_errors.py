"""Each bad input raises a clear exception (l2o.Error, a ValueError, or l2o.DivergenceError) that
names what is wrong, and leaves the parameters as they were."""
import pytest
import torch

import l2o
import l2o.torch
from conftest import batches, small_mlp


def backward(model, data=None):
    x, y = data or batches(1)[0]
    model.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    return loss


def snapshot(model):
    return [p.detach().clone() for p in model.parameters()]


def unchanged(model, before):
    return all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_sparse_gradient():
    emb = torch.nn.Embedding(10, 3, sparse=True)
    opt = l2o.torch.Adam(emb.parameters())
    emb(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(l2o.Error, match="sparse gradient"):
        opt.step()


def test_complex_and_other_dtypes():
    with pytest.raises(l2o.Error, match="complex parameters"):
        l2o.torch.SGD([torch.zeros(3, dtype=torch.complex64, requires_grad=True)])
    with pytest.raises(l2o.Error, match="float32 or float64.*float16"):
        l2o.torch.SGD([torch.zeros(3, dtype=torch.float16, requires_grad=True)])
    opt = l2o.torch.SGD([torch.zeros(3, dtype=torch.float64, requires_grad=True)])
    with pytest.raises(l2o.Error, match="float32 or float64.*int64"):
        opt.add_param_group({"params": [torch.zeros(2, dtype=torch.int64)]})
    assert len(opt.param_groups) == 1


def test_complex_gradient():
    # torch refuses a complex .grad on a real tensor, so a complex gradient can only reach the
    # optimizer through a parameter that became complex after construction.
    p = torch.zeros(2, requires_grad=True)
    opt = l2o.torch.SGD([p], lr=0.1)
    p.data = torch.zeros(2, dtype=torch.complex64)
    p.grad = torch.ones(2, dtype=torch.complex64)
    with pytest.raises(l2o.Error, match="complex gradient"):
        opt.step()


def test_parameter_without_gradient():
    model = small_mlp()
    unused = torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))
    opt = l2o.torch.Adam(list(model.parameters()) + [unused])
    backward(model)
    before = snapshot(model)
    with pytest.raises(l2o.Error, match=r"parameter 4 \(shape \(4,\)\) has no gradient; call loss.backward"):
        opt.step()
    assert unchanged(model, before)
    frozen = small_mlp()
    next(frozen.parameters()).requires_grad_(False)
    opt = l2o.torch.Adam(frozen.parameters())
    backward(frozen)
    with pytest.raises(l2o.Error, match="parameter 0 .* does not require grad: leave frozen parameters out"):
        opt.step()


def test_policy_file_that_does_not_load(tmp_path):
    model = small_mlp()
    missing = tmp_path / "nope.json"
    with pytest.raises(l2o.Error, match="nope.json"):
        l2o.torch.PSD(model.parameters(), policy=missing)
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(l2o.Error, match="bad.json"):
        l2o.torch.PSD(model.parameters(), policy=bad)
    l2l = tmp_path / "wrong-kind.json"
    l2l.write_text(open(l2o.policy_path("l2l")).read())
    with pytest.raises(l2o.Error, match="wrong-kind.json"):
        l2o.torch.PSD(model.parameters(), policy=l2l)


@pytest.mark.parametrize("cls", [l2o.torch.PSD, l2o.torch.Adam, l2o.torch.LBFGS, l2o.torch.CG])
def test_closure_returning_nan(cls):
    model = small_mlp()
    opt = cls(model.parameters())
    before = snapshot(model)

    def closure():
        backward(model)
        return torch.tensor(float("nan"))
    with pytest.raises(l2o.DivergenceError, match=r"non-finite loss \(nan\) at step 1"):
        opt.step(closure)
    assert unchanged(model, before)


def test_non_finite_gradient():
    model = small_mlp()
    opt = l2o.torch.Adam(model.parameters())
    backward(model)
    list(model.parameters())[2].grad[0, 0] = float("inf")
    with pytest.raises(l2o.DivergenceError, match=r"gradient of parameter 2 \(shape \(3, 16\)\) is not finite"):
        opt.step()


def test_psd_needs_the_loss():
    model = small_mlp()
    opt = l2o.torch.PSD(model.parameters())
    backward(model)
    with pytest.raises(l2o.Error, match="needs the minibatch loss"):
        opt.step()
    with pytest.raises(l2o.Error, match="closure returned None"):
        opt.step(lambda: None)
    with pytest.raises(l2o.Error, match="not both"):
        opt.step(lambda: 1.0, loss=1.0)
    with pytest.raises(l2o.Error, match="must be a scalar"):
        opt.step(loss=torch.ones(2))


@pytest.mark.parametrize("cls", [l2o.torch.CG, l2o.torch.LBFGS])
def test_line_search_methods_need_a_closure(cls):
    model = small_mlp()
    opt = cls(model.parameters())
    loss = backward(model)
    with pytest.raises(l2o.Error, match="needs a closure"):
        opt.step(loss=loss)


def test_bad_hyper_parameters():
    params = small_mlp().parameters
    with pytest.raises(l2o.Error, match="momentum must be in \\[0, 1\\), got 1"):
        l2o.torch.Momentum(params(), momentum=1.0)
    with pytest.raises(l2o.Error, match="lr"):
        l2o.torch.Adam(params(), lr=-1.0)
    with pytest.raises(l2o.Error, match="give betas=\\(beta1, beta2\\) or beta1/beta2, not both"):
        l2o.torch.Adam(params(), betas=(0.9, 0.99), beta1=0.8)
    with pytest.raises(l2o.Error, match="betas must be a pair"):
        l2o.torch.Adam(params(), betas=0.9)
    with pytest.raises(l2o.Error, match="beta2 must be in"):
        l2o.torch.Adam(params(), betas=(0.9, 1.0))
    # torch options l2o does not implement: only their no-op values.
    with pytest.raises(l2o.Error, match="weight_decay is not supported by l2o's adam"):
        l2o.torch.Adam(params(), weight_decay=0.01)
    with pytest.raises(l2o.Error, match="centered is not supported"):
        l2o.torch.RMSprop(params(), centered=True)
    with pytest.raises(l2o.Error, match="nesterov=True needs momentum > 0"):
        l2o.torch.SGD(params(), nesterov=True)
    with pytest.raises(l2o.Error, match="dampening is not supported"):
        l2o.torch.SGD(params(), momentum=0.9, dampening=0.1)
    with pytest.raises(l2o.Error, match="tuned-values file '.*missing.json' does not exist"):
        l2o.torch.Adam(params(), tuned="missing.json")


def test_param_groups_with_different_hyper_parameters():
    model = small_mlp()
    layers = list(model.children())
    opt = l2o.torch.Adam([{"params": layers[0].parameters()}, {"params": layers[2].parameters(), "lr": 0.5}])
    backward(model)
    with pytest.raises(l2o.Error, match="param group 1 has lr = 0.5"):
        opt.step()


def test_foreign_state_dict_and_late_param_group():
    model = small_mlp()
    adam = l2o.torch.Adam(model.parameters())
    with pytest.raises(l2o.Error, match="belongs to optimizer 'adam', not 'rmsprop'"):
        l2o.torch.RMSprop(model.parameters()).load_state_dict(adam.state_dict())
    with pytest.raises(l2o.Error, match="not written by an l2o.torch optimizer"):
        adam.load_state_dict(torch.optim.Adam(model.parameters()).state_dict())
    backward(model)
    adam.step()
    with pytest.raises(l2o.Error, match="add_param_group after the first step"):
        adam.add_param_group({"params": [torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))]})


def test_closure_raising_inside_a_line_search_restores_the_parameters():
    model = small_mlp()
    opt = l2o.torch.LBFGS(model.parameters())
    before = snapshot(model)
    calls = []

    def closure():
        calls.append(1)
        if len(calls) > 1:  # the first trial point of the line search
            raise RuntimeError("data loader failed")
        return backward(model)
    with pytest.raises(RuntimeError, match="data loader failed"):
        opt.step(closure)
    assert len(calls) == 2 and unchanged(model, before)


def test_weight_layout_names_the_orientation_and_rejects_others():
    w = torch.zeros(8, 6, dtype=torch.float64, requires_grad=True)
    out_in = l2o.torch.Adam([w])
    in_out = l2o.torch.Adam([{"params": [w], "weight_layout": "in_out"}])
    assert (out_in.layout.groups[0].rows, out_in.layout.groups[0].cols) == (8, 6)
    assert (in_out.layout.groups[0].rows, in_out.layout.groups[0].cols) == (6, 8)
    with pytest.raises(l2o.Error, match="weight_layout must be 'out_in' or 'in_out'"):
        l2o.torch.Adam([{"params": [w], "weight_layout": "columns"}]).layout

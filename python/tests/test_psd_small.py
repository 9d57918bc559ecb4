"""l2o.torch.PSDSmall: psd-small stepping torch's own memory (docs/psd-small.md).

The Adam-equivalent policy (zero read-out) must step like torch.optim.Adam; a policy with a
non-zero read-out like the C++ optimizer on the flat vector; bad input and NaN gradients give clear
errors and leave the parameters unchanged; state_dict resumes exactly."""
import copy

import pytest
import torch

import l2o
import l2o.torch
from conftest import batches, small_mlp


def _policy(tmp_path, lr=0.01, readout_std=0.0, name="p.json"):
    path = tmp_path / name
    l2o.write_psd_small_policy(str(path), lr=lr, hidden=[8, 8], seed=3, readout_std=readout_std)
    return path


def _train(model, opt, data, steps=None):
    losses = []
    for x, y in data[:steps]:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step(loss=loss) if isinstance(opt, l2o.torch.PSDSmall) else opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_adam_equivalent_policy_steps_like_torch_adam(tmp_path, dtype):
    policy = _policy(tmp_path, lr=0.01)
    a, b = small_mlp(dtype), small_mlp(dtype)
    data = batches(30, dtype=dtype)
    _train(a, l2o.torch.PSDSmall(a, policy=policy, batch_size=16), data)
    _train(b, torch.optim.Adam(b.parameters(), lr=0.01, eps=1e-8), data)
    for p, q in zip(a.parameters(), b.parameters()):
        # float32 moments and float32 network arithmetic: agreement to ~1e-5 of the step sizes.
        assert torch.allclose(p, q, rtol=0, atol=2e-5), (p - q).abs().max()


def test_steps_in_place_in_the_parameters_memory(tmp_path):
    model = small_mlp(torch.float32)
    opt = l2o.torch.PSDSmall(model, policy=_policy(tmp_path, readout_std=0.3))
    pointers = [p.data_ptr() for p in model.parameters()]
    _train(model, opt, batches(3, dtype=torch.float32))
    assert [p.data_ptr() for p in model.parameters()] == pointers
    assert all(opt.state[p]["moments"].dtype == torch.float32 for p in model.parameters())
    assert all(opt.state[p]["moments"].numel() == 4 * p.numel() for p in model.parameters())


def test_a_learned_read_out_steps_like_the_cpp_optimizer_on_the_flat_vector(tmp_path):
    policy = _policy(tmp_path, readout_std=0.3)
    model = small_mlp(torch.float64)
    ref = copy.deepcopy(model)
    opt = l2o.torch.PSDSmall(model, policy=policy, batch_size=16)
    native = l2o.make_optimizer("psd-small", policy=str(policy))
    native.init(opt.layout)
    native.batch_size = 16
    flat = torch.cat([p.detach().reshape(-1) for p in ref.parameters()]).numpy().copy()
    for x, y in batches(8):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).numpy()
        delta = native.step(flat, grad, loss.item())
        flat = flat + delta
        opt.step(loss=loss)
    ours = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy()
    assert abs(ours - flat).max() < 1e-12


def test_a_nan_gradient_raises_and_changes_nothing(tmp_path):
    model = small_mlp(torch.float32)
    opt = l2o.torch.PSDSmall(model, policy=_policy(tmp_path))
    _train(model, opt, batches(2, dtype=torch.float32))
    before = [p.detach().clone() for p in model.parameters()]
    moments = [opt.state[p]["moments"].clone() for p in model.parameters()]
    x, y = batches(1, dtype=torch.float32)[0]
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    list(model.parameters())[-1].grad[0] = float("nan")
    with pytest.raises(l2o.DivergenceError, match="NaN or Inf"):
        opt.step(loss=loss)
    for p, b, m in zip(model.parameters(), before, moments):
        assert torch.equal(p.detach(), b)
        assert torch.equal(opt.state[p]["moments"], m)
    with pytest.raises(l2o.DivergenceError, match="non-finite loss"):
        opt.step(loss=float("inf"))


def test_clear_errors_for_what_it_cannot_step(tmp_path):
    policy = _policy(tmp_path)
    model = small_mlp(torch.float32)
    opt = l2o.torch.PSDSmall(model, policy=policy)
    with pytest.raises(l2o.Error, match="needs the minibatch loss"):
        opt.step()
    with pytest.raises(l2o.Error, match="float16"):
        l2o.torch.PSDSmall(small_mlp(torch.float16), policy=policy).step(loss=1.0)
    with pytest.raises(l2o.Error, match="batch_size"):
        l2o.torch.PSDSmall(model, policy=policy, batch_size=0)
    with pytest.raises(l2o.Error, match="no-such"):
        l2o.torch.PSDSmall(model, policy=tmp_path / "no-such.json")


def test_state_dict_resumes_exactly(tmp_path):
    policy = _policy(tmp_path, readout_std=0.3)
    data = batches(12, dtype=torch.float32)
    whole = small_mlp(torch.float32)
    _train(whole, l2o.torch.PSDSmall(whole, policy=policy, batch_size=16), data)

    part = small_mlp(torch.float32)
    opt = l2o.torch.PSDSmall(part, policy=policy, batch_size=16)
    _train(part, opt, data, steps=5)
    saved = copy.deepcopy(opt.state_dict())
    resumed = copy.deepcopy(part)
    opt2 = l2o.torch.PSDSmall(resumed, policy=policy, batch_size=16)
    opt2.load_state_dict(saved)
    _train(resumed, opt2, data[5:])
    for p, q in zip(whole.parameters(), resumed.parameters()):
        assert torch.equal(p, q)
    other = _policy(tmp_path, lr=0.02, name="other.json")
    with pytest.raises(l2o.Error, match="another policy"):
        l2o.torch.PSDSmall(small_mlp(torch.float32), policy=other).load_state_dict(saved)

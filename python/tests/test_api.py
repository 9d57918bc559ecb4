"""The thin Python API over the C++: layouts, the zero-copy buffers, data sets from arrays, the MLP
task, train and bench, and where tuned values and policies come from."""
import os

import numpy as np
import pytest
import torch

import l2o
import l2o.torch
from conftest import small_mlp, synthetic_data


def test_buffers_are_views_of_the_optimizer_memory():
    opt = l2o.Optimizer("sgd", {"lr": 0.5})
    opt.init(l2o.ParamLayout.single(4))
    x, g = opt.x, opt.grad
    assert x.dtype == np.float64 and x.flags.writeable
    assert np.shares_memory(x, opt.x) and np.shares_memory(g, opt.grad)
    x[:] = [1, 2, 3, 4]
    g[:] = [2, 2, 2, 2]
    opt.step_buffers()
    np.testing.assert_array_equal(opt.x, [0, 1, 2, 3])  # x += -lr g, in place
    np.testing.assert_array_equal(opt.delta, [-1, -1, -1, -1])
    # The torch path writes parameters straight into the same memory.
    t = torch.from_numpy(opt.x)
    t.fill_(7.0)
    assert opt.x[0] == 7.0


def test_plain_step_api_and_state_round_trip():
    opt = l2o.Optimizer("adam", {"lr": 0.1})
    x = np.array([1.0, -2.0])
    d1 = opt.step(x, np.array([0.5, -0.5]))
    np.testing.assert_allclose(d1, [-0.1, 0.1])  # Adam's first step: -lr sign(g)
    state = opt.save_state()
    other = l2o.Optimizer("adam", {"lr": 0.1})
    other.init(l2o.ParamLayout.single(2))
    other.load_state(state)
    g = np.array([0.3, 0.1])
    np.testing.assert_array_equal(opt.step(x, g), other.step(x, g))
    assert opt.hyperparams["lr"] == 0.1


def test_layout_validation_and_groups():
    with pytest.raises(l2o.Error, match="starts at 5, expected 4"):
        l2o.ParamLayout([l2o.CoordinateGroup("W1", "weight", 1, False, 2, 2, 0),
                         l2o.CoordinateGroup("b1", "bias", 1, True, 2, 1, 5)])
    with pytest.raises(l2o.Error, match="'weight' or 'bias'"):
        l2o.CoordinateGroup("W1", "matrix", 1, False, 2, 2, 0)
    # Plain parameters: the last weight tensor and what follows are the output layer.
    m = small_mlp()
    groups = l2o.torch.SGD(m.parameters()).layout.groups
    assert [(g.kind, g.layer, g.output_layer, g.rows, g.cols, g.offset) for g in groups] == [
        ("weight", 1, False, 16, 8, 0), ("bias", 1, False, 16, 1, 128),
        ("weight", 2, True, 3, 16, 144), ("bias", 2, True, 3, 1, 192)]
    # A module names the groups; a param group's output_layer overrides.
    groups = l2o.torch.SGD(m).layout.groups
    assert [g.name for g in groups] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    layers = list(m.children())
    opt = l2o.torch.SGD([{"params": layers[0].parameters(), "output_layer": True},
                         {"params": layers[2].parameters(), "output_layer": False}])
    assert [g.output_layer for g in opt.layout.groups] == [True, True, False, False]


def test_psd_steps_do_not_depend_on_the_order_inside_a_group():
    # Why torch's row-major flattening is as good as the MLP task's column-major one: permuting
    # the coordinates of a group permutes PSD's steps and changes nothing else.
    rng = np.random.default_rng(0)
    layout = l2o.ParamLayout([l2o.CoordinateGroup("W1", "weight", 1, False, 3, 4, 0),
                              l2o.CoordinateGroup("b1", "bias", 1, True, 3, 1, 12)])
    perm = np.concatenate([rng.permutation(12), 12 + rng.permutation(3)])
    a, b = l2o.make_optimizer("psd"), l2o.make_optimizer("psd")
    a.init(layout)
    b.init(layout)
    x = rng.normal(size=15)
    for t in range(5):
        g = rng.normal(size=15)
        loss = 2.0 - 0.1 * t
        da, db = a.step(x, g, loss=loss), b.step(x[perm], g[perm], loss=loss)
        np.testing.assert_array_equal(da[perm], db)
        x = x + da


def two_group_problem(seed):
    """A 3x4 weight and its bias as an l2o layout, with a random point and gradient."""
    rng = np.random.default_rng(seed)
    layout = l2o.ParamLayout([l2o.CoordinateGroup("W1", "weight", 1, False, 3, 4, 0),
                              l2o.CoordinateGroup("b1", "bias", 1, True, 3, 1, 12)])
    return layout, rng.normal(size=15), 0.1 * rng.normal(size=15)


def test_psd_batch_size_scales_the_default_policys_steps():
    # The default policy has batch-aware steps and an output-layer warm-up (docs/psd.md): below
    # batch 64 each step is (batch / 64)^0.3 of the step at an unknown batch, and the output
    # layer's (here b1's) first step 1/16 of that; at 64 and above, and unset, nothing changes.
    layout, x, g = two_group_problem(1)
    steps = {}
    for batch in (0, 10, 64, 256):
        opt = l2o.make_optimizer("psd")
        assert opt.batch_size == 0
        opt.batch_size = batch
        opt.init(layout)
        steps[batch] = opt.step(x, g, loss=1.5)
    factor = np.full(15, (10 / 64) ** 0.3)
    factor[12:] /= 16  # b1 is flagged as the output layer
    np.testing.assert_allclose(steps[10], factor * steps[0], rtol=1e-12)
    np.testing.assert_array_equal(steps[64], steps[0])
    np.testing.assert_array_equal(steps[256], steps[0])
    with pytest.raises(l2o.Error, match="batch_size must be >= 0"):
        opt.batch_size = -1
    # Through l2o.torch: the keyword sets it, and is checked.
    model = small_mlp()
    assert l2o.torch.PSD(model.parameters(), batch_size=10)._native.batch_size == 10
    with pytest.raises(l2o.Error, match="batch_size must be a positive integer"):
        l2o.torch.PSD(model.parameters(), batch_size=0)


def test_psd_precision_is_chosen_and_checked():
    # float32 (the default), float64 and, where the CPU runs it, bf16x3 give nearly the same steps.
    layout, x, g = two_group_problem(2)
    steps = {}
    for precision in ("float64", "float32", "bf16x3"):
        try:
            opt = l2o.Optimizer("psd", precision=precision)
        except l2o.Error as e:
            assert precision == "bf16x3" and "bf16x3 precision is not available" in str(e)
            continue
        assert opt.hyperparams["precision"] == precision
        opt.init(layout)
        steps[precision] = opt.step(x, g, loss=1.5)
    assert l2o.Optimizer("psd").hyperparams["precision"] == "float32"
    for precision, step in steps.items():
        np.testing.assert_allclose(step, steps["float64"], rtol=1e-3, atol=1e-9, err_msg=precision)
    with pytest.raises(l2o.Error, match="unknown precision 'half'"):
        l2o.Optimizer("psd", precision="half")
    with pytest.raises(l2o.Error, match="only the learned optimizers"):
        l2o.Optimizer("adam", precision="float32")
    model = small_mlp()
    assert l2o.torch.PSD(model.parameters(), precision="float64")._native.hyperparams["precision"] == "float64"
    assert l2o.torch.L2L(model.parameters(), precision="float64")._native.hyperparams["precision"] == "float64"


def test_projected_dataset_from_arrays_is_a_view():
    d = synthetic_data(count=50, width=8, classes=3)
    assert (d.width, d.num_classes, d.train_x.shape, d.test_x.shape) == (8, 3, (50, 8), (0, 8))
    assert d.train_x.base is not None  # a view of the C++ matrix, not a copy
    with pytest.raises(l2o.Error, match="train_y must be a 1-d array of 50 labels"):
        l2o.ProjectedDataset(np.zeros((50, 8)), np.zeros(49, dtype=np.int32))


def test_task_train_and_trace(task):
    assert task.dim == 8 * 6 + 6 + 6 * 3 + 3 and task.arch == [8, 6, 3]
    x = task.initial_params(1)
    f, g = task.objective_grad(x)
    assert f == task.objective(x) and g.shape == (task.dim,)
    run = l2o.train(task, "adam", iters=30, batch=16, seed=1)
    tr = run.trace
    assert list(tr) == ["iter", "objective", "minibatch_loss", "grad_norm", "step_norm", "seconds"]
    assert len(tr["iter"]) == 31 and not run.diverged
    assert run.final_objective < tr["objective"][0]
    assert run.meta_loss == pytest.approx(tr["objective"][1:].sum())
    # Without hyper-parameters: the tuned values, like `l2o train`.
    tuned = l2o.train(task, "adam", hyper=l2o.tuned_hyper("adam"), iters=30, batch=16, seed=1)
    np.testing.assert_array_equal(tuned.final_params, run.final_params)
    # An l2o.Optimizer can be passed as well.
    mine = l2o.train(task, l2o.make_optimizer("adam"), iters=30, batch=16, seed=1)
    np.testing.assert_array_equal(mine.final_params, run.final_params)
    # A diverged run is reported, not raised (ReLU: the logits overflow; tanh would saturate).
    relu = l2o.MlpTask(synthetic_data(), arch=[8, 6, 3], activation="relu", train_size=-1)
    diverged = l2o.train(relu, "sgd", hyper={"lr": 1e300}, iters=30, batch=16, seed=1)
    assert diverged.diverged and "sgd diverged" in diverged.divergence


def test_bench_panel_on_arrays():
    data = synthetic_data(count=120)
    panel = l2o.bench_panel(data, optimizers=["sgd", "adam", "psd"], hidden=[6], batch=16, iters=20, seeds=2,
                            eval_every=5, train_size=-1)
    assert [o["name"] for o in panel["optimizers"]] == ["sgd", "adam", "psd"]
    assert all(o["runs"] == 2 and len(o["meta_losses"]) == 2 for o in panel["optimizers"])
    assert panel["optimizers"][1]["hyper"] == l2o.tuned_hyper("adam") | {"beta2": 0.999, "eps": 1e-8}
    assert panel["curves"]["adam"]["iters"] == [0, 5, 10, 15, 20]
    assert sorted(o["rank"] for o in panel["optimizers"]) == [1, 2, 3]


def test_tuned_and_policy_paths(tmp_path, monkeypatch):
    assert os.path.exists(l2o.tuned_path()) and os.path.exists(l2o.policy_path("psd"))
    assert l2o.policy_path("psd", tmp_path / "p.json") == str(tmp_path / "p.json")
    mine = tmp_path / "tuned.json"
    mine.write_text('{"optimizers": {"adam": {"hyper": {"lr": 0.123}}}}')
    monkeypatch.setenv("L2O_TUNED", str(mine))  # the tool's environment variable
    assert l2o.tuned_path() == str(mine)
    # l2o.torch reads tuned values only when asked (tuned=PATH here; tuned=True: the shipped file).
    assert l2o.torch.Adam(small_mlp().parameters()).param_groups[0]["lr"] == 1e-3
    assert l2o.torch.Adam(small_mlp().parameters(), tuned=l2o.tuned_path()).param_groups[0]["lr"] == 0.123


def test_torch_default_policies_are_not_read_from_the_working_directory(tmp_path, monkeypatch):
    import l2o._paths
    shipped = l2o._paths.default_policy_path("psd-small")
    assert os.path.isabs(shipped) and os.path.exists(shipped)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "psd-small.json").write_text("not a policy")
    (tmp_path / "policies" / "psd-mnist-multi-60min.json").write_text("not a policy")
    monkeypatch.chdir(tmp_path)
    assert l2o.torch.PSDSmall(small_mlp()).policy_file == shipped
    assert l2o.torch.PSD(small_mlp()).policy_file == l2o._paths.default_policy_path("psd") != "policies/psd-mnist-multi-60min.json"


def test_real_data_through_the_tool_loaders(tmp_path):
    # Fashion-MNIST comes from Debian's dataset-fashion-mnist (scripts/setup.sh installs it).
    data_dir = str(tmp_path / "data")
    try:
        raw = l2o.load_dataset("fashion-mnist", data_dir=data_dir)
    except l2o.Error as e:
        pytest.skip(f"no Fashion-MNIST: {e}")
    assert raw.train_images.shape == (60000, 28, 28, 1) and raw.train_images.dtype == np.uint8
    assert raw.train_labels.shape == (60000,) and raw.num_classes == 10
    proj = l2o.load_projected("fashion-mnist", width=16, data_dir=data_dir)
    assert proj.train_x.shape == (60000, 16) and proj.test_x.shape == (10000, 16)
    assert abs(proj.train_x.mean()) < 1e-6  # standardised with the training statistics
    task = l2o.make_task("fashion-mnist", "16-10", train_size=500, data_dir=data_dir)
    assert task.train_count == 500 and task.dim == 16 * 10 + 10
    run = l2o.train(task, "psd", iters=5, batch=32, seed=1)
    assert not run.diverged and len(run.trace["iter"]) == 6


def test_bench_names_are_checked_first():
    with pytest.raises(l2o.Error, match="experiment"):
        l2o.bench("fig9", out_dir="unused")
    with pytest.raises(l2o.Error, match="unknown optimizer 'nadam'"):
        l2o.bench_panel(synthetic_data(), optimizers=["nadam"])

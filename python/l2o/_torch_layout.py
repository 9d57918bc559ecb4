"""Coordinate groups of torch parameters: how l2o.torch cuts the flat vector (docs/python.md).

Every parameter tensor is one coordinate group, flattened in torch's own (C, row-major) order:
- 2 or more dimensions: a weight group, rows = shape[0] (fan-out of Linear and Conv weights),
  cols = the product of the other dimensions (fan-in); a param group's "weight_layout": "in_out"
  says its 2-d weights are stored (fan_in, fan_out) instead (as JAX/flax and l2o's own MLP task
  store them), so rows = shape[-1]. PSD's width-aware step factors use the fan-in;
- 1 dimension (or 0): a bias group, rows = numel, cols = 1;
- output layer: the parameters of the last module with parameters when the optimizer was given
  the module itself; for plain parameters, the last weight tensor and everything after it; a
  param group's "output_layer" (True/False) overrides both for its tensors.
The layer number counts the weight tensors so far. The learned optimizers choose their network
per group from (kind, output layer) and act coordinatewise within a group, so the order inside a
group does not change any step (python/tests/test_api.py, test_psd_steps_do_not_depend_on_the_order_inside_a_group).
"""
from . import _native


def last_module_params(module):
    """ids of the parameters owned directly by the last module (in registration order) that has any."""
    last = []
    for m in module.modules():
        own = list(m.parameters(recurse=False))
        if own:
            last = own
    return {id(p) for p in last}


def param_names(module):
    return {id(p): name for name, p in module.named_parameters()}


def build_layout(param_groups, output_ids=None, names=None):
    """(l2o.ParamLayout, [(param, offset, numel)]) for the parameters of `param_groups`, in order."""
    params = [(gi, p) for gi, g in enumerate(param_groups) for p in g["params"]]
    if output_ids is None:
        weights = [i for i, (_, p) in enumerate(params) if p.dim() >= 2]
        first_output = weights[-1] if weights else len(params) - 1
        output_ids = {id(p) for i, (_, p) in enumerate(params) if i >= first_output}
    groups, slices, offset, weights_seen = [], [], 0, 0
    for i, (gi, p) in enumerate(params):
        n = p.numel()
        is_weight = p.dim() >= 2
        weights_seen += is_weight
        layer = max(1, weights_seen)
        override = param_groups[gi].get("output_layer")
        output = bool(override) if override is not None else id(p) in output_ids
        layout = param_groups[gi].get("weight_layout", "out_in")
        if layout not in ("out_in", "in_out"):
            raise _native.Error(f"param group weight_layout must be 'out_in' or 'in_out', got {layout!r}")
        rows = (p.shape[-1] if layout == "in_out" else p.shape[0]) if is_weight else n
        cols = (n // rows if rows else 0) if is_weight else 1
        name = (names or {}).get(id(p), f"param{i}")
        groups.append(_native.CoordinateGroup(name, "weight" if is_weight else "bias", layer, output, rows, cols, offset))
        slices.append((p, offset, n))
        offset += n
    return _native.ParamLayout(groups, offset), slices

"""torch.optim optimizers on l2o's C++ optimizers: PSD, PSDSmall, L2L and the seven hand-designed ones.

    import l2o.torch
    opt = l2o.torch.PSD(model)                  # or model.parameters(); policy=None: the shipped one
    for x, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step(loss=loss)                     # PSD reads the loss (or give step(closure))

Each optimizer but PSDSmall (l2o._psd_small) steps all its parameters as one flat float64 vector: the parameters are flattened
into the C++ optimizer's own buffer (no further copy), the C++ step runs, and the new values are
written back in each parameter's dtype (float32 or float64). Coordinate groups: l2o._torch_layout.
The hand-designed optimizers take torch.optim's argument names and defaults (SGD, Adam, Adagrad,
RMSprop; the papers' values where torch has none): `l2o.torch.Adam(params, lr=1e-3,
betas=(0.9, 0.999), eps=1e-8)`. Nothing is read from the working directory; the values tuned on
the paper's MNIST task are opt-in: `tuned=True` (the shipped configs/tuned.json) or `tuned=PATH`,
any keyword given still overriding one value. docs/python.md has the conventions and how they
differ from torch.optim.
"""
import bisect
import math
import os

import torch

from . import _native
from ._native import DivergenceError, Error
from ._paths import default_policy_path, shipped_tuned_path
from ._torch_layout import build_layout, last_module_params, param_names
from ._psd_small import PSDSmall  # noqa: F401  (psd-small steps torch's memory in place)

__all__ = ["PSD", "PSDSmall", "L2L", "SGD", "Momentum", "CG", "LBFGS", "Adagrad", "AdaGrad", "Adam", "RMSprop",
           "L2OOptimizer"]

_STATE_KEY = "l2o"  # where state_dict() keeps the C++ optimizer's state, beside torch's entries


class L2OOptimizer(torch.optim.Optimizer):
    """Base class: one l2o.Optimizer over every parameter of every param group."""

    l2o_name = None        # the C++ registry name
    needs_closure = False  # CG and L-BFGS: their line searches re-evaluate the loss
    needs_loss = False     # PSD: the loss is one of its features

    def __init__(self, params, hyper, native):
        self._native = None  # set below; add_param_group (called by torch's __init__) checks it
        output_ids = names = None
        if isinstance(params, torch.nn.Module):
            output_ids, names = last_module_params(params), param_names(params)
            params = params.parameters()
        super().__init__(params, dict(hyper, output_layer=None))
        self._output_ids, self._names = output_ids, names
        self._hyper_keys = tuple(hyper)
        self._native = native
        self._native_hyper = self._to_native(dict(hyper))
        self._slices = None  # [(param, offset, numel, x view, grad view)] once the layout is built
        self._steps = 0

    # ----------------------------------------------------------------------------- parameters
    def add_param_group(self, param_group):
        if self._native is not None and self._slices is not None:
            raise Error(f"{type(self).__name__}: add_param_group after the first step: the flat parameter vector "
                        "is fixed then (from the first step, opt.layout or load_state_dict on); create the "
                        "optimizer with all parameters")
        super().add_param_group(param_group)  # normalises the group (a tensor, a list, ...)
        for p in self.param_groups[-1]["params"]:
            problem = None
            if p.is_complex():
                problem = f"complex parameters are not supported (got {p.dtype}, shape {tuple(p.shape)})"
            elif p.dtype not in (torch.float32, torch.float64):
                problem = f"parameters must be float32 or float64, got {p.dtype} (shape {tuple(p.shape)})"
            if problem:
                self.param_groups.pop()  # a refused group leaves the optimizer as it was
                raise Error(f"{type(self).__name__}: {problem}")

    def _build(self):
        layout, slices = build_layout(self.param_groups, self._output_ids, self._names)
        self._native.init(layout)
        x, g = torch.from_numpy(self._native.x), torch.from_numpy(self._native.grad)
        self._slices = [(p, o, n, x[o:o + n].view(p.shape), g[o:o + n].view(p.shape)) for p, o, n in slices]
        self._offsets = [o for _, o, _ in slices]

    @property
    def layout(self):
        """The l2o.ParamLayout of the parameters (built at the first step or load_state_dict)."""
        if self._slices is None:
            self._build()
        return self._native.layout

    def _param_at(self, index):
        k = bisect.bisect_right(self._offsets, index) - 1
        p = self._slices[k][0]
        return f"parameter {k} (shape {tuple(p.shape)})"

    def _sync_hyper(self):
        # torch's schedulers change group values between steps; the C++ optimizer has one set.
        hyper = {k: self.param_groups[0][k] for k in self._hyper_keys}
        for i, group in enumerate(self.param_groups[1:], 1):
            for k in self._hyper_keys:
                if group[k] != hyper[k]:
                    raise Error(f"{type(self).__name__}: param group {i} has {k} = {group[k]}, group 0 has "
                                f"{hyper[k]}; l2o steps all parameters as one vector with one set of "
                                "hyper-parameters")
        native = self._to_native({k: float(v) if isinstance(v, torch.Tensor) else v for k, v in hyper.items()})
        if native != self._native_hyper:
            self._native.set_hyper(native)
            self._native_hyper = native

    def _to_native(self, group_hyper):
        """The C++ optimizer's hyper-parameters (l2o's names) from a param group's (torch's names)."""
        return dict(group_hyper)

    # ----------------------------------------------------------------------------- stepping
    def _loss_value(self, loss, where):
        if loss is None:
            if self.needs_loss or self.needs_closure:
                raise Error(f"{type(self).__name__}: {where} returned None; it must return the loss")
            return math.nan
        if isinstance(loss, torch.Tensor):
            if loss.numel() != 1:
                raise Error(f"{type(self).__name__}: the loss must be a scalar, {where} gave shape {tuple(loss.shape)}")
            if loss.is_complex():
                raise Error(f"{type(self).__name__}: the loss must be real, {where} gave {loss.dtype}")
            loss = loss.detach().item()
        value = float(loss)
        if not math.isfinite(value):
            raise DivergenceError(f"{type(self).__name__}: {where} gave a non-finite loss ({value}) at step "
                                  f"{self._steps + 1}; the parameters were not changed")
        return value

    def _gather_grads(self, into):
        for k, (p, _, _, _, g_default) in enumerate(self._slices):
            g = p.grad
            if g is None:
                hint = ("it does not require grad: leave frozen parameters out of the optimizer" if not p.requires_grad
                        else "call loss.backward() (or pass a closure) before step()")
                raise Error(f"{type(self).__name__}: parameter {k} (shape {tuple(p.shape)}) has no gradient; {hint}; "
                            "l2o steps all parameters as one vector, so every parameter needs one")
            if g.is_sparse:
                raise Error(f"{type(self).__name__}: parameter {k} (shape {tuple(p.shape)}) has a sparse gradient; "
                            "l2o optimizers need dense gradients")
            if g.is_complex():
                raise Error(f"{type(self).__name__}: parameter {k} (shape {tuple(p.shape)}) has a complex gradient "
                            f"({g.dtype}); l2o optimizers need real gradients")
            (g_default if into is None else into[k]).copy_(g)

    def _line_search_eval(self, closure):
        def evaluate(x_trial, grad_out):
            xt, gt = torch.from_numpy(x_trial), torch.from_numpy(grad_out)
            for p, o, n, _, _ in self._slices:
                p.copy_(xt[o:o + n].view(p.shape))
            with torch.enable_grad():
                loss = closure()
            if loss is None:
                raise Error(f"{type(self).__name__}: the closure returned None; it must return the loss")
            self._gather_grads([gt[o:o + n].view(p.shape) for p, o, n, _, _ in self._slices])
            # Non-finite trial losses are part of the line search's protocol ("step too far"), not errors.
            return float(loss.detach().item() if isinstance(loss, torch.Tensor) else loss)
        return evaluate

    def step(self, closure=None, *, loss=None):
        """One step. `closure` re-evaluates the model (zero_grad, loss, backward, return loss); `loss`
        gives the minibatch loss of the current gradients instead. Returns the loss."""
        name = type(self).__name__
        if closure is not None and loss is not None:
            raise Error(f"{name}.step: give a closure or loss=..., not both")
        if self.needs_closure and closure is None:
            raise Error(f"{name}.step needs a closure (zero_grad, loss, backward, return loss): its line search "
                        "evaluates the loss at trial points")
        if self.needs_loss and closure is None and loss is None:
            raise Error(f"{name}.step needs the minibatch loss, one of its features: call step(loss=loss) after "
                        "loss.backward(), or step(closure)")
        if self._slices is None:
            self._build()
        self._sync_hyper()
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
            value = self._loss_value(loss, "the closure")
        else:
            value = self._loss_value(loss, "loss")
        with torch.no_grad():
            self._gather_grads(None)  # first: it rejects complex gradients before a complex copy
            for p, _, _, x_view, _ in self._slices:
                x_view.copy_(p)
            bad = self._native.first_nonfinite_grad()
            if bad >= 0:
                raise DivergenceError(f"{name}: the gradient of {self._param_at(bad)} is not finite at step "
                                      f"{self._steps + 1}; the parameters were not changed")
            bad = self._native.first_nonfinite_x()
            if bad >= 0:
                raise DivergenceError(f"{name}: {self._param_at(bad)} is not finite at step {self._steps + 1}")
            evaluate = self._line_search_eval(closure) if self.needs_closure else None
            try:
                self._native.step_buffers(value, evaluate, True)
            finally:
                # x is only updated after a complete step, so after an exception raised inside a
                # line search (by the closure) this puts the parameters back where they were.
                for p, _, _, x_view, _ in self._slices:
                    p.copy_(x_view)
        self._steps += 1
        return loss

    # ----------------------------------------------------------------------------- state
    def state_dict(self):
        """torch's state_dict plus "l2o": the C++ optimizer's exact state (JSON text) and step count."""
        sd = super().state_dict()
        sd[_STATE_KEY] = {
            "optimizer": self.l2o_name,
            "steps": self._steps,
            "state": self._native.save_state() if self._slices is not None else None,
        }
        return sd

    def load_state_dict(self, state_dict):
        if _STATE_KEY not in state_dict:
            raise Error(f"{type(self).__name__}.load_state_dict: no '{_STATE_KEY}' entry; this state_dict was not "
                        "written by an l2o.torch optimizer")
        saved = state_dict[_STATE_KEY]
        if saved.get("optimizer") != self.l2o_name:
            raise Error(f"{type(self).__name__}.load_state_dict: the state belongs to optimizer "
                        f"'{saved.get('optimizer')}', not '{self.l2o_name}'")
        super().load_state_dict({k: v for k, v in state_dict.items() if k != _STATE_KEY})
        if self._slices is None:
            self._build()
        self._sync_hyper()
        if saved["state"] is not None:
            self._native.load_state(saved["state"])
        self._steps = int(saved["steps"])


class _HandDesigned(L2OOptimizer):
    """A hand-designed C++ optimizer behind torch's argument names. A class lists its param-group
    keys with their defaults (torch's, else the C++ library's = the papers'); `_renames` maps l2o's
    names to torch's (rho -> alpha; Adam's beta1/beta2 become `betas`); `_unsupported` are torch
    options l2o does not implement, accepted at torch's default value only."""
    _defaults = {}
    _renames = {}
    _unsupported = {}

    def __init__(self, params, given, tuned, name=None):
        name = name or self.l2o_name
        self.l2o_name = name
        group = {}
        self._apply_native(group, _native.default_hyper(name))  # every key, the C++ defaults
        if tuned is not None and tuned is not False:
            # Exactly `l2o train`'s values: the tuned ones over the C++ defaults (not torch's).
            path = shipped_tuned_path() if tuned is True else os.fspath(tuned)
            self._apply_native(group, _native.tuned_hyper(name, path))
        else:
            group.update(self._defaults)
        group.update({k: v for k, v in given.items() if v is not None})
        group.update({k: given.get(k, off) for k, off in self._unsupported.items()})  # torch's keys, checked
        self._check_group(group)
        native = self._to_native(group)
        # Building the C++ optimizer now checks every value (l2o.Error names the bad one).
        super().__init__(params, group, _native.Optimizer(name, native))

    def _apply_native(self, group, native_hyper):
        for k, v in native_hyper.items():
            if k in ("beta1", "beta2") and "betas" in self._defaults:
                betas = list(group.get("betas", self._defaults["betas"]))
                betas[k == "beta2"] = v
                group["betas"] = tuple(betas)
            else:
                group[self._renames.get(k, k)] = v

    def _check_group(self, group):
        if "betas" in group:
            b = group["betas"]
            if not isinstance(b, (tuple, list)) or len(b) != 2:
                raise Error(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {b!r}")

    def _to_native(self, group_hyper):
        back = {v: k for k, v in self._renames.items()}
        out = {}
        for k, v in group_hyper.items():
            if k in self._unsupported:
                if v != self._unsupported[k]:
                    raise Error(f"{type(self).__name__}: {k} is not supported by l2o's {self.l2o_name} "
                                f"(only {k}={self._unsupported[k]!r}, got {v!r})")
            elif k == "betas" and "betas" in self._defaults:
                out["beta1"], out["beta2"] = float(v[0]), float(v[1])
            else:
                out[back.get(k, k)] = v
        return out


class _Learned(L2OOptimizer):
    def __init__(self, params, policy, precision=None):
        path = default_policy_path(self.l2o_name, policy)
        super().__init__(params, {}, _native.Optimizer(self.l2o_name, None, path, precision))
        self.policy_file = path


class PSD(_Learned):
    """Predicted Step Descent (Li & Malik 2017) with a policy file (default: the shipped policies/psd-mnist-multi-60min.json).
    Needs the minibatch loss: step(loss=loss) or step(closure). `batch_size`: the examples per minibatch
    of the gradients; a batch-aware policy (the default one) takes smaller steps below its reference
    batch (docs/psd.md, "Batch-aware steps") and may warm up its output layer there ("Output-layer
    warm-up"); None: not known, no batch factor and no warm-up. `precision`: the LSTM's
    arithmetic, "float32" (None: the default), "float64" or "bf16x3" (faster on CPUs with AMX; docs/psd.md)."""
    l2o_name, needs_loss = "psd", True

    def __init__(self, params, policy=None, batch_size=None, precision=None):
        super().__init__(params, policy, precision)
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
                raise Error(f"PSD: batch_size must be a positive integer or None, got {batch_size!r}")
            self._native.batch_size = batch_size


class L2L(_Learned):
    """L2LBGDBGD (Andrychowicz et al. 2016) with a policy file (default: policies/l2l-mnist.json).
    `precision` as for PSD."""
    l2o_name = "l2l"

    def __init__(self, params, policy=None, precision=None):
        super().__init__(params, policy, precision)


class SGD(_HandDesigned):
    """torch.optim.SGD: delta = -lr g; with momentum, the heavy ball v <- momentum v - lr g, delta = v
    (l2o's `momentum`: equal to torch's for a constant lr; a changed lr applies to the next
    gradient only), or Nesterov's form. Defaults: lr 1e-3 (torch's), momentum 0. `tuned=True`: the
    tuned values of `sgd`, of `momentum` when a momentum > 0 is given. dampening and weight_decay: 0 only."""
    l2o_name = "sgd"
    _defaults = dict(lr=1e-3)
    _unsupported = dict(dampening=0, weight_decay=0)
    _momentum_default = 0.0

    def __init__(self, params, lr=None, momentum=None, dampening=0, weight_decay=0, nesterov=None, *, tuned=None):
        cls = type(self).__name__
        with_momentum = self._momentum_default > 0 or bool(momentum) or bool(nesterov)
        if nesterov and not (self._momentum_default > 0 or momentum):
            raise Error(f"{cls}: nesterov=True needs momentum > 0")
        given = dict(lr=lr, dampening=dampening, weight_decay=weight_decay)
        if with_momentum:
            self._defaults = dict(lr=1e-3, momentum=self._momentum_default, nesterov=False)
            given.update(momentum=momentum, nesterov=nesterov)
        super().__init__(params, given, tuned, "momentum" if with_momentum else "sgd")


class Momentum(SGD):
    """SGD with momentum under l2o's name: SGD(params, lr, momentum=0.9, nesterov=False) (momentum 0
    allowed); `tuned=True`: the tuned values of `momentum`."""
    l2o_name = "momentum"
    _momentum_default = 0.9

    def __init__(self, params, lr=None, momentum=None, nesterov=None, *, tuned=None):
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov, tuned=tuned)


class CG(_HandDesigned):
    """Nonlinear conjugate gradient (PR+) with a strong-Wolfe line search; step(closure) only.
    Defaults: the C++ library's (docs/optimizers.md)."""
    l2o_name, needs_closure = "cg", True

    def __init__(self, params, lr=None, c1=None, c2=None, max_evals=None, restart_threshold=None,
                 restart_every=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, c1=c1, c2=c2, max_evals=max_evals, restart_threshold=restart_threshold,
                                      restart_every=restart_every), tuned)


class LBFGS(_HandDesigned):
    """L-BFGS with a strong-Wolfe line search; step(closure) only. `history_size` is torch's name for
    `memory`. Defaults: the C++ library's (docs/optimizers.md)."""
    l2o_name, needs_closure = "lbfgs", True

    def __init__(self, params, lr=None, memory=None, c1=None, c2=None, max_evals=None, min_curvature=None, *,
                 history_size=None, tuned=None):
        if memory is not None and history_size is not None:
            raise Error("LBFGS: give memory or history_size (the same value), not both")
        super().__init__(params, dict(lr=lr, memory=memory if history_size is None else history_size, c1=c1, c2=c2,
                                      max_evals=max_evals, min_curvature=min_curvature), tuned)


class Adagrad(_HandDesigned):
    """torch.optim.Adagrad: G <- G + g^2, delta = -lr g / (sqrt(G) + eps). Defaults: lr 1e-2,
    eps 1e-10 (torch's). lr_decay, weight_decay and initial_accumulator_value: 0 only."""
    l2o_name = "adagrad"
    _defaults = dict(lr=1e-2, eps=1e-10)
    _unsupported = dict(lr_decay=0, weight_decay=0, initial_accumulator_value=0)

    def __init__(self, params, lr=None, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=None, *,
                 tuned=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps), tuned)


AdaGrad = Adagrad  # l2o's earlier name


class Adam(_HandDesigned):
    """torch.optim.Adam = Adam (Kingma & Ba 2015, Algorithm 1). Defaults: lr 1e-3, betas (0.9, 0.999),
    eps 1e-8 (the paper's and torch's). `beta1`/`beta2`: l2o's names for betas[0]/betas[1].
    weight_decay 0 and amsgrad False only."""
    l2o_name = "adam"
    _defaults = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    _unsupported = dict(weight_decay=0, amsgrad=False)

    def __init__(self, params, lr=None, betas=None, eps=None, weight_decay=0, amsgrad=False, *, beta1=None,
                 beta2=None, tuned=None):
        if betas is not None and (beta1 is not None or beta2 is not None):
            raise Error("Adam: give betas=(beta1, beta2) or beta1/beta2, not both")
        self._given_betas = (beta1, beta2)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad),
                         tuned)

    def _check_group(self, group):
        beta1, beta2 = self._given_betas
        if beta1 is not None or beta2 is not None:
            b = list(group["betas"])
            group["betas"] = (b[0] if beta1 is None else beta1, b[1] if beta2 is None else beta2)
        super()._check_group(group)


class RMSprop(_HandDesigned):
    """torch.optim.RMSprop: s <- alpha s + (1 - alpha) g^2, b <- momentum b + g / (sqrt(s) + eps),
    delta = -lr b. Defaults: lr 1e-2, alpha 0.99, eps 1e-8, momentum 0 (torch's). `rho`: l2o's name
    for alpha. weight_decay 0 and centered False only."""
    l2o_name = "rmsprop"
    _defaults = dict(lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0)
    _renames = {"rho": "alpha"}
    _unsupported = dict(weight_decay=0, centered=False)

    def __init__(self, params, lr=None, alpha=None, eps=None, weight_decay=0, momentum=None, centered=False, *,
                 rho=None, tuned=None):
        if alpha is not None and rho is not None:
            raise Error("RMSprop: give alpha or rho (the same value), not both")
        super().__init__(params, dict(lr=lr, alpha=alpha if rho is None else rho, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered), tuned)

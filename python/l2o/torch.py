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
Hand-designed optimizers default to the tuned values of configs/tuned.json (`tuned=False`: the C++
defaults, `tuned=PATH`: another file); any keyword overrides one value. docs/python.md has the
conventions and how they differ from torch.optim.
"""
import bisect
import math

import torch

from . import _native
from ._native import DivergenceError, Error
from ._paths import policy_path, tuned_path
from ._torch_layout import build_layout, last_module_params, param_names
from ._psd_small import PSDSmall  # noqa: F401  (psd-small steps torch's memory in place)

__all__ = ["PSD", "PSDSmall", "L2L", "SGD", "Momentum", "CG", "LBFGS", "AdaGrad", "Adam", "RMSprop", "L2OOptimizer"]

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
        self._native_hyper = dict(hyper)
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
        if hyper != self._native_hyper:
            self._native.set_hyper({k: float(v) if isinstance(v, torch.Tensor) else v for k, v in hyper.items()})
            self._native_hyper = dict(hyper)

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
    def __init__(self, params, given, tuned):
        name = self.l2o_name
        hyper = dict(_native.default_hyper(name))
        if tuned is not False:
            hyper.update(_native.tuned_hyper(name, tuned_path(tuned)))
        hyper.update({k: v for k, v in given.items() if v is not None})
        # Building the C++ optimizer now checks every value (l2o.Error names the bad one).
        super().__init__(params, hyper, _native.Optimizer(name, hyper))


class _Learned(L2OOptimizer):
    def __init__(self, params, policy, precision=None):
        path = policy_path(self.l2o_name, policy)
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
    """delta = -lr g."""
    l2o_name = "sgd"

    def __init__(self, params, lr=None, *, tuned=None):
        super().__init__(params, dict(lr=lr), tuned)


class Momentum(_HandDesigned):
    """Heavy ball v <- momentum v - lr g, delta = v (or Nesterov's form)."""
    l2o_name = "momentum"

    def __init__(self, params, lr=None, momentum=None, nesterov=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov), tuned)


class CG(_HandDesigned):
    """Nonlinear conjugate gradient (PR+) with a strong-Wolfe line search; step(closure) only."""
    l2o_name, needs_closure = "cg", True

    def __init__(self, params, lr=None, c1=None, c2=None, max_evals=None, restart_threshold=None,
                 restart_every=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, c1=c1, c2=c2, max_evals=max_evals, restart_threshold=restart_threshold,
                                      restart_every=restart_every), tuned)


class LBFGS(_HandDesigned):
    """L-BFGS with a strong-Wolfe line search; step(closure) only."""
    l2o_name, needs_closure = "lbfgs", True

    def __init__(self, params, lr=None, memory=None, c1=None, c2=None, max_evals=None, min_curvature=None, *,
                 tuned=None):
        super().__init__(params, dict(lr=lr, memory=memory, c1=c1, c2=c2, max_evals=max_evals,
                                      min_curvature=min_curvature), tuned)


class AdaGrad(_HandDesigned):
    """G <- G + g^2, delta = -lr g / (sqrt(G) + eps)."""
    l2o_name = "adagrad"

    def __init__(self, params, lr=None, eps=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, eps=eps), tuned)


class Adam(_HandDesigned):
    """Adam (Kingma & Ba 2015, Algorithm 1)."""
    l2o_name = "adam"

    def __init__(self, params, lr=None, beta1=None, beta2=None, eps=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps), tuned)


class RMSprop(_HandDesigned):
    """s <- rho s + (1 - rho) g^2, b <- momentum b + g / (sqrt(s) + eps), delta = -lr b."""
    l2o_name = "rmsprop"

    def __init__(self, params, lr=None, rho=None, eps=None, momentum=None, *, tuned=None):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, momentum=momentum), tuned)

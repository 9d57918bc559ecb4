"""l2o.torch.PSDSmall: psd-small (docs/psd-small.md) stepping torch parameters in place.

Unlike the other l2o.torch optimizers, which flatten every parameter into one float64 vector for
the C++ optimizer, PSDSmall hands the C++ fused step the addresses of each parameter, its gradient
and its state (four float32 moments per coordinate and one float64 per tensor, kept in
`opt.state[p]`), so a step reads and writes torch's own memory once, in the parameters' dtype
(float32 or float64). Coordinate groups as for the other optimizers (l2o._torch_layout).
"""
import math

import torch

from . import _native
from ._native import DivergenceError, Error
from ._paths import default_policy_path
from ._torch_layout import build_layout, last_module_params, param_names

_STATE_KEY = "l2o"


class PSDSmall(torch.optim.Optimizer):
    """psd-small: a small learned per-coordinate rule (docs/psd-small.md) with a policy file
    (default: the shipped policies/psd-small.json). Needs the minibatch loss, one of its features:
    step(loss=loss) or step(closure). `batch_size`: the examples per minibatch (a context input;
    None: unknown). `threads`: OpenMP threads inside one step (the result is the same for any count).
    Parameters and gradients must be dense, contiguous, on the CPU, float32 or float64."""

    l2o_name = "psd-small"
    needs_loss = True      # the loss is part of its context (docs/psd-small.md)
    needs_closure = False

    def __init__(self, params, policy=None, batch_size=None, threads=1):
        output_ids = names = None
        if isinstance(params, torch.nn.Module):
            output_ids, names = last_module_params(params), param_names(params)
            params = params.parameters()
        self._layout = None
        super().__init__(params, dict(output_layer=None))
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
            raise Error(f"PSDSmall: batch_size must be a positive integer or None, got {batch_size!r}")
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise Error(f"PSDSmall: threads must be a positive integer, got {threads!r}")
        self._output_ids, self._names = output_ids, names
        self.policy_file = default_policy_path(self.l2o_name, policy)
        self._native = _native.PsdSmallStepper(self.policy_file, threads)
        self.batch_size = batch_size
        self._params = None
        self._steps = 0

    def add_param_group(self, param_group):
        if getattr(self, "_layout", None) is not None:
            raise Error("PSDSmall: add_param_group after the first step: the coordinate groups are fixed then; "
                        "create the optimizer with all parameters")
        super().add_param_group(param_group)

    @property
    def layout(self):
        """The coordinate groups (an l2o.ParamLayout), built on first use."""
        if self._layout is None:
            self._build()
        return self._layout

    def _build(self):
        self._layout, slices = build_layout(self.param_groups, self._output_ids, self._names)
        self._native.init(self._layout)
        self._params = [p for p, _, _ in slices]
        for k, p in enumerate(self._params):
            if p.device.type != "cpu" or p.dtype not in (torch.float32, torch.float64) or p.is_sparse:
                raise Error(f"PSDSmall: parameter {k} (shape {tuple(p.shape)}) is {p.dtype} on {p.device}; "
                            "psd-small steps dense float32 or float64 CPU tensors")
            if not p.is_contiguous():
                raise Error(f"PSDSmall: parameter {k} (shape {tuple(p.shape)}) is not contiguous")
            st = self.state[p]
            if "moments" not in st:
                st["moments"] = torch.zeros(4 * p.numel(), dtype=torch.float32)
                st["grad_rms_ema"] = torch.zeros(1, dtype=torch.float64)

    def _loss_value(self, loss, where):
        if loss is None:
            raise Error(f"PSDSmall: {where} returned None; it must return the loss")
        if isinstance(loss, torch.Tensor):
            if loss.numel() != 1:
                raise Error(f"PSDSmall: the loss must be a scalar, {where} gave shape {tuple(loss.shape)}")
            loss = loss.detach().item()
        value = float(loss)
        if not math.isfinite(value):
            raise DivergenceError(f"PSDSmall: {where} gave a non-finite loss ({value}) at step {self._steps + 1}; "
                                  "the parameters were not changed")
        return value

    @torch.no_grad()
    def step(self, closure=None, *, loss=None):
        """One step; returns the loss. `closure` re-evaluates the model (zero_grad, loss, backward,
        return loss); `loss` gives the minibatch loss of the current gradients instead."""
        if closure is not None and loss is not None:
            raise Error("PSDSmall.step: give a closure or loss=..., not both")
        if closure is None and loss is None:
            raise Error("PSDSmall.step needs the minibatch loss, one of its features: call step(loss=loss) after "
                        "loss.backward(), or step(closure)")
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        value = self._loss_value(loss, "the closure" if closure is not None else "loss")
        if self._layout is None:
            self._build()
        indices, groups = [], []
        for k, p in enumerate(self._params):
            g = p.grad
            if g is None:
                continue  # as torch.optim: a parameter without a gradient is not stepped
            if g.is_sparse or g.dtype != p.dtype or not g.is_contiguous() or g.shape != p.shape:
                raise Error(f"PSDSmall: the gradient of parameter {k} (shape {tuple(p.shape)}) must be dense, "
                            f"contiguous and of the parameter's dtype {p.dtype}, got {g.dtype}")
            st = self.state[p]
            indices.append(k)
            groups.append((p.data_ptr(), g.data_ptr(), st["moments"].data_ptr(), st["grad_rms_ema"].data_ptr(),
                           p.dtype == torch.float64))
        self._native.step(value, self.batch_size or 0, indices, groups)
        self._steps += 1
        return loss

    def state_dict(self):
        """torch's state_dict (each parameter's moments and gradient-RMS EMA) plus "l2o": the step
        clock (step count and loss statistics) and the policy's fingerprint."""
        if self._layout is None:
            self._build()
        sd = super().state_dict()
        # torch's load_state_dict casts floating state to each parameter's dtype: the float64 EMAs
        # also travel here as Python floats, so a float32 model resumes bit for bit.
        emas = [float(self.state[p]["grad_rms_ema"].item()) for p in self._params]
        sd[_STATE_KEY] = {"optimizer": self.l2o_name, "steps": self._steps, "clock": dict(self._native.clock),
                          "policy": self._native.fingerprint, "grad_rms_ema": emas}
        return sd

    def load_state_dict(self, state_dict):
        sd = dict(state_dict)
        ours = sd.pop(_STATE_KEY, None)
        if ours is None or ours.get("optimizer") != self.l2o_name:
            raise Error("PSDSmall.load_state_dict: not a PSDSmall state (no 'l2o' entry of optimizer psd-small)")
        if ours.get("policy") != self._native.fingerprint:
            raise Error("PSDSmall.load_state_dict: the state was saved with another policy")
        super().load_state_dict(sd)
        if self._layout is None:
            self._build()
        emas = ours.get("grad_rms_ema", [])
        if len(emas) != len(self._params):
            raise Error(f"PSDSmall.load_state_dict: the state has {len(emas)} parameters, this optimizer {len(self._params)}")
        for p, ema in zip(self._params, emas):
            st = self.state[p]
            # Back to the kernel's types (torch cast them to the parameter's dtype; float32 -> float64 -> float32 is exact).
            st["moments"] = st["moments"].to(torch.float32).contiguous()
            st["grad_rms_ema"] = torch.tensor([float(ema)], dtype=torch.float64)
            if st["moments"].numel() != 4 * p.numel():
                raise Error(f"PSDSmall.load_state_dict: the moments of a parameter of shape {tuple(p.shape)} do not fit it")
        self._native.clock = ours["clock"]
        self._steps = int(ours["steps"])

"""Where the tuned values and the shipped policies are, resolved by the C++ code of the tool.

Order (the tool's, plus the installed package): an explicit path; $L2O_TUNED (tuned values only);
./configs/tuned.json or ./policies/<the shipped file> in the current directory (psd-mnist-multi-60min.json
for psd, l2l-mnist.json for l2l); the copies that
`cmake --install` puts inside the package; the source tree the module was built from.
"""
import os

from . import _native

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _fallback_root():
    if os.path.exists(os.path.join(_PACKAGE_DIR, "configs", "tuned.json")):
        return _PACKAGE_DIR  # an installed package carries its own copy
    return _native.source_dir


def tuned_path(path=None):
    """The tuned-values file l2o reads (the file need not exist; reading it then fails clearly)."""
    return _native.resolve_tuned_path(os.fspath(path) if path else "", _fallback_root())


def policy_path(name, policy=None):
    """`policy` if given, else the shipped policy of the learned optimizer `name` ("psd", "l2l")."""
    if policy is not None:
        return os.fspath(policy)
    file = os.path.basename(_native.shipped_policy_path(name))
    local = os.path.join("policies", file)  # the tool's first place
    packaged = os.path.join(_PACKAGE_DIR, "policies", file)
    if not os.path.exists(local) and os.path.exists(packaged):
        return packaged
    return _native.shipped_policy_path(name)  # ./policies, else the source tree

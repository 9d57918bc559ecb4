"""Where the tuned values and the shipped policies are, resolved by the C++ code of the tool.

Order (the tool's): an explicit path; $L2O_TUNED (tuned values only); ./configs/tuned.json or
./policies/<the shipped file> in the current directory (psd-mnist-multi-60min.json for psd,
psd-small.json for psd-small, l2l-mnist.json for l2l); then the first data root that has the file:
$L2O_HOME when set (and then only it), else the folder of the module and the four above it, each as
an install prefix (share/l2o) or as a folder holding policies/ and configs/ itself (the copies that
`cmake --install` puts inside the package; the checkout above a build tree). `data_search()` lists
them (docs/architecture.md, "Installation and data files").
"""
import os

from . import _native


def tuned_path(path=None):
    """The tuned-values file l2o reads (the file need not exist; reading it then fails clearly)."""
    return _native.resolve_tuned_path(os.fspath(path) if path else "")


def policy_path(name, policy=None):
    """`policy` if given, else the shipped policy of the learned optimizer `name` ("psd", "psd-small", "l2l")."""
    if policy is not None:
        return os.fspath(policy)
    return _native.shipped_policy_path(name)


def data_search():
    """The places searched for the shipped policies and tuned values, in order, as one line."""
    return _native.data_search()


# l2o.torch's defaults (docs/python.md): the shipped files from the data roots only, never from the
# working directory, so that a model's optimizer does not change with the folder it runs in.
def shipped_file(relative):
    """The shipped `relative` ("policies/psd-small.json", "configs/tuned.json") from the data roots
    (data_search()): the package's copy, the install's or the checkout's; not ./"""
    path = _native.find_data_file(relative)
    if not path:
        raise _native.Error(f"no shipped {relative} in {data_search()}")
    return path


def shipped_tuned_path():
    """The shipped configs/tuned.json (`tuned=True` of l2o.torch's hand-designed optimizers)."""
    return shipped_file("configs/tuned.json")


def default_policy_path(name, policy=None):
    """`policy` if given, else the shipped policy of the learned optimizer `name`, never ./policies."""
    if policy is not None:
        return os.fspath(policy)
    return shipped_file("policies/" + os.path.basename(_native.shipped_policy_path(name)))

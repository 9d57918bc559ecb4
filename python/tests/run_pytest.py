"""ctest's entry to the Python tests: runs pytest on the given files, or exits 77 (ctest: skipped)
with a message when pytest or torch is not installed for this interpreter."""
import sys

try:
    import pytest
    import torch  # noqa: F401  (every test file needs it)
except ImportError as e:
    print(f"skipped: {e.name} is not installed for {sys.executable} (apt install python3-pytest python3-torch)")
    sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))

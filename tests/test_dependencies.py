"""Every package the code imports is declared in setup.cfg: the library's in install_requires
(or, for pretrained weights, the pretrained and faces extras), the tests' in the test extra, the
benchmarks' in the benchmarks extra."""

import ast
import configparser
import importlib.metadata
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL = {"deeptoolkit", "tests", "benchmarks", "common", "timing", *[name[:-3] for name in os.listdir(os.path.join(ROOT, "benchmarks"))]}


# Run by hand where PyTorch is installed, to make fixtures from the original networks.
BY_HAND = {os.path.join("tests", "fixtures", "pretrained", name) for name in ("make_checkpoints.py", "make_mobilenet_v2_logits.py")}


def imported(folder):
    """Top-level names of the modules imported anywhere under `folder`, outside the standard library."""
    names = set()
    for directory, _, files in os.walk(os.path.join(ROOT, folder)):
        for name in files:
            if name.endswith(".py") and os.path.relpath(os.path.join(directory, name), ROOT) not in BY_HAND:
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    tree = ast.parse(handle.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names.update(alias.name.split(".")[0] for alias in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in LOCAL}


def declared(section, key):
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    lines = config[section][key].strip().splitlines()
    return {re.split(r"[<>=!~\[; ]", line.strip())[0].lower().replace("_", "-") for line in lines if line.strip()}


# Import names whose distribution does not record them (dlib-bin lists only its extension
# module), or that an optional extra brings and may be absent here.
KNOWN = {"dlib": {"dlib-bin"}}


def distributions(modules):
    by_module = importlib.metadata.packages_distributions()
    return {module: {d.lower().replace("_", "-") for d in by_module.get(module, [])} | KNOWN.get(module, set()) for module in modules}


def test_the_library_imports_only_what_install_requires_and_its_optional_extras_declare():
    required = declared("options", "install_requires") | declared("options.extras_require", "pretrained") | \
        declared("options.extras_require", "faces")
    for module, dists in distributions(imported("deeptoolkit")).items():
        assert dists & required, f"deeptoolkit imports {module} (from {sorted(dists)}), not in install_requires {sorted(required)}"


def test_tests_and_benchmarks_import_only_what_their_extras_declare():
    library = declared("options", "install_requires")
    for folder, extra in (("tests", "test"), ("benchmarks", "benchmarks"), ("apps", None)):
        allowed = library | (declared("options.extras_require", extra) if extra else set())
        for module, dists in distributions(imported(folder)).items():
            assert dists & allowed, f"{folder}/ imports {module} (from {sorted(dists)}), not declared for it"

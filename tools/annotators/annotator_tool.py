"""What every family's tool in tools/annotators/ shares: importing controlnet_aux's detector
submodules without its package __init__, and the `export` / `reference` command line."""

import argparse
import importlib.util
import sys
import types


def bare_package(name):
    """Registers package `name` without running its __init__ (controlnet_aux's imports every
    detector and their dependencies, mediapipe among them), so its submodules import alone."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        sys.exit(f"{name} is not importable: put controlnet_aux 0.0.10's src/ on PYTHONPATH")
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules[name] = package


def run(doc, export, reference, checkpoints_help, reference_arguments=None, export_arguments=None):
    """Parses the command line: `export --checkpoints DIR --out MODELS/annotators [--random]` calls
    export(args), `reference` calls reference(args); reference_arguments(parser) and
    export_arguments(parser) may add options to `reference` and `export`."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    exporting = commands.add_parser("export", help="real checkpoints (or --random weights) to ONNX")
    exporting.add_argument("--checkpoints", help=checkpoints_help)
    exporting.add_argument("--out", required=True, help="the models folder's annotators/ folder")
    exporting.add_argument("--random", action="store_true", help="random weights, no checkpoints")
    if export_arguments:
        export_arguments(exporting)
    referencing = commands.add_parser("reference", help="tiny stand-ins and test data for the engine's tests")
    if reference_arguments:
        reference_arguments(referencing)
    args = parser.parse_args()
    if args.command == "export" and not args.random and not args.checkpoints:
        parser.error("export needs --checkpoints DIR or --random")
    (export if args.command == "export" else reference)(args)

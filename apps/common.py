"""What the apps share: constructor arguments changed from the command line (`--set NAME=VALUE`)."""

import json


def add_set_option(parser):
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                        help="Constructor arguments to change, values as JSON: --set units=128 image_size=[32,32]")


def overrides(parser, args):
    """{name: value} of --set; a malformed item ends the app with argparse's usage error."""
    changed = {}
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            changed[name] = json.loads(value)
        except json.JSONDecodeError:
            parser.error(f"--set expects NAME=VALUE with a JSON value (strings in quotes). Received: {item!r}")
    return changed

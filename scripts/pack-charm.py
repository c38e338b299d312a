#!/usr/bin/env python3
"""Pack a Rust charm into a `.charm` archive, the way charmcraft lays one out.

Usage: pack-charm.py CHARM_DIR BINARY OUT.charm

The archive holds `dispatch` and the binary (both executable), and the `metadata.yaml`,
`config.yaml`, `actions.yaml` and `manifest.yaml` that charmcraft generates from a unified
`charmcraft.yaml`. Standard library only: the unified file is split by its top-level keys, which
is all charmcraft does for these three files.
"""

import datetime
import os
import re
import stat
import sys
import zipfile

# Top-level keys of charmcraft.yaml that are build instructions, not charm metadata.
BUILD_KEYS = {"type", "base", "bases", "build-base", "platforms", "parts", "analysis", "charmhub", "config", "actions"}


def split_top_level(text: str) -> dict[str, str]:
    """Map each top-level key to its block of lines (key line included)."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_-]+):", line)
        if m:
            current = m.group(1)
            blocks[current] = [line]
        elif current is not None:
            blocks[current].append(line)
    return {k: "\n".join(v).rstrip() + "\n" for k, v in blocks.items()}


def body(block: str) -> str:
    """The block without its key line, de-indented by two spaces."""
    lines = block.splitlines()[1:]
    return "\n".join(l[2:] if l.startswith("  ") else l for l in lines).rstrip() + "\n"


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    charm_dir, binary, out = sys.argv[1:]
    with open(os.path.join(charm_dir, "charmcraft.yaml"), encoding="utf-8") as f:
        blocks = split_top_level(f.read())
    name_match = re.match(r"name:\s*(\S+)", blocks.get("name", ""))
    if not name_match:
        print("charmcraft.yaml has no name", file=sys.stderr)
        return 1
    name = name_match.group(1)
    metadata = "".join(v for k, v in blocks.items() if k not in BUILD_KEYS)
    config = body(blocks["config"]) if "config" in blocks else ""
    actions = body(blocks["actions"]) if "actions" in blocks else ""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    manifest = (
        "charmcraft-version: 3.5.0\n"
        f"charmcraft-started-at: '{now}'\n"
        "bases:\n"
        "- name: ubuntu\n"
        "  channel: '24.04'\n"
        "  architectures:\n"
        "  - amd64\n"
        "analysis:\n"
        "  attributes:\n"
        "  - name: language\n"
        "    result: unknown\n"
        "  - name: framework\n"
        "    result: unknown\n"
    )
    binary_name = os.path.basename(binary)
    with open(os.path.join(charm_dir, "dispatch"), encoding="utf-8") as f:
        dispatch = f.read()
    if not dispatch.rstrip().endswith(f"./{binary_name}"):
        print(f"dispatch must exec ./{binary_name}", file=sys.stderr)
        return 1

    def add(z: zipfile.ZipFile, arcname: str, data: bytes, mode: int) -> None:
        info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with zipfile.ZipFile(out, "w") as z:
        add(z, "dispatch", dispatch.encode(), 0o755)
        with open(binary, "rb") as f:
            add(z, binary_name, f.read(), 0o755)
        add(z, "metadata.yaml", metadata.encode(), 0o644)
        if config:
            add(z, "config.yaml", config.encode(), 0o644)
        if actions:
            add(z, "actions.yaml", actions.encode(), 0o644)
        add(z, "manifest.yaml", manifest.encode(), 0o644)
        readme = os.path.join(charm_dir, "README.md")
        if os.path.exists(readme):
            with open(readme, "rb") as f:
                add(z, "README.md", f.read(), 0o644)
    print(f"packed {name} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

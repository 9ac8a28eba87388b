"""Make PyPI's CUDA build of torch importable on a machine without CUDA, without the
several GB of nvidia-* wheels it depends on.

PyPI ships no CPU-only torch for Linux x86-64: its libtorch links the CUDA libraries at
load time, even though CPU work never calls them. This script writes tiny stand-ins for
exactly the CUDA libraries and symbols torch's own libraries link against, each symbol a
function that answers "no device" (error code 100, the code CUDA's runtime and driver use
for that). torch then imports, reports `torch.cuda.is_available() == False`, and runs on
the CPU as usual. The stand-ins go where torch's RPATH looks for CUDA (site-packages/
nvidia/cu13/lib), so nothing outside the virtual environment changes.

Run by setup.sh only when the torch install has no CUDA libraries of its own.
Needs objdump, readelf and a C compiler (binutils and gcc).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

NO_DEVICE = 100
# Unversioned symbols that belong to CUDA libraries (the rest come from Python itself).
CUDA_NAME = re.compile(r"^(nccl|nvshmem|cuFile|cusparseLt|cu[A-Z]|nvrtc|cudnn|cublas|cufft|cusolver|cusparse|cupti|cuda)")
# Versions that do not spell their library's soname.
VERSION_TO_SONAME = {"NVSHMEM": "libnvshmem_host.so.3"}


def run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def needed_sonames(lib: Path) -> list[str]:
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", run(["readelf", "-d", str(lib)]))


def dynamic_symbols(lib: Path) -> list[tuple[bool, str, str, str]]:
    """(undefined, kind 'F'/'O'/'', version, name) for each dynamic symbol."""
    rows = []
    for line in run(["objdump", "-T", str(lib)]).splitlines():
        m = re.match(r"^[0-9a-f]+\s+(.{7})\s+(\S+)\s+[0-9a-f]+\s+(?:(\(?[^\s()]+\)?)\s+)?(\S+)$", line)
        if not m:
            continue
        flags, section, version, name = m.groups()
        kind = "F" if "F" in flags else ("O" if "O" in flags else "")
        weak = "w" in flags
        if weak:
            continue
        rows.append((section == "*UND*", kind, (version or "").strip("()"), name))
    return rows


def system_has(soname: str) -> bool:
    return soname in run(["/sbin/ldconfig", "-p"])


def main() -> None:
    site = Path(sys.argv[1])
    torch_lib = site / "torch" / "lib"
    out_dir = site / "nvidia" / "cu13" / "lib"
    libs = sorted(p for p in torch_lib.glob("*.so*") if p.is_file())
    own = {p.name for p in libs}

    missing: set[str] = set()
    for lib in libs:
        for so in needed_sonames(lib):
            if so not in own and not system_has(so):
                missing.add(so)
    if not missing:
        print("cuda_stubs: nothing missing, no stand-ins written")
        return

    defined: set[str] = set()
    undefined: list[tuple[str, str, str]] = []
    for lib in libs:
        for is_und, kind, version, name in dynamic_symbols(lib):
            if is_und:
                undefined.append((kind, version, name))
            else:
                defined.add(name)
    for so in ["libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0",
               "libdl.so.2", "librt.so.1"]:
        for path in re.findall(rf"{re.escape(so)} \(.*?\) => (\S+)", run(["/sbin/ldconfig", "-p"]))[:1]:
            defined.update(name for und, _, _, name in dynamic_symbols(Path(path)) if not und)

    by_soname: dict[str, dict[str, str]] = defaultdict(dict)
    unversioned: dict[str, str] = {}
    for kind, version, name in undefined:
        soname = VERSION_TO_SONAME.get(version, version)
        if soname in missing:
            by_soname[soname][name] = kind
        elif version in ("", "Base") and name not in defined and CUDA_NAME.match(name):
            unversioned[name] = kind

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for soname in sorted(missing):
            versioned = by_soname.get(soname, {})
            version_node = next((v for v, s in VERSION_TO_SONAME.items() if s == soname), soname)
            symbols = {**unversioned, **versioned}
            source = Path(tmp) / "stub.c"
            lines = []
            for name, kind in sorted(symbols.items()):
                if kind == "O":
                    lines.append(f"char {name}[256];")
                else:
                    lines.append(f"int {name}(void) {{ return {NO_DEVICE}; }}")
            source.write_text("\n".join(lines) + "\n")
            args = ["gcc", "-shared", "-fPIC", "-w", "-o", str(out_dir / soname), f"-Wl,-soname,{soname}"]
            if versioned:
                script = Path(tmp) / "version.map"
                names = "; ".join(sorted(versioned))
                script.write_text(f"{version_node} {{ global: {names}; }};\n")
                args.append(f"-Wl,--version-script,{script}")
            subprocess.run(args + [str(source)], check=True)
            print(f"cuda_stubs: {soname}: {len(versioned)} versioned + {len(unversioned)} plain symbols")


if __name__ == "__main__":
    main()

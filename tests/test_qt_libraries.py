"""Issue 15 §8: every system library Qt's xcb platform plugin needs is in the README's list, so a
new office PC set up from the README opens a window (ldd on the venv's libqxcb.so)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def package_for(soname: str) -> str:
    """Debian's package name for a library: libxcb-icccm.so.4 → libxcb-icccm4,
    libxkbcommon-x11.so.0 → libxkbcommon-x11-0, libEGL.so.1 → libegl1."""
    m = re.fullmatch(r"(lib[\w.+-]*?)\.so\.(\d+).*", soname)
    assert m, soname
    base, major = m.group(1).lower(), m.group(2)
    return f"{base}-{major}" if base[-1].isdigit() else f"{base}{major}"


def test_package_names() -> None:
    assert package_for("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert package_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert package_for("libEGL.so.1") == "libegl1"
    assert package_for("libdbus-1.so.3") == "libdbus-1-3"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and xcb are Linux's")
def test_every_missing_xcb_library_is_in_the_readme() -> None:
    import PySide6

    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    if shutil.which("ldd") is None or not plugin.exists():
        pytest.skip("no ldd or no xcb plugin here")
    env = {**os.environ, "LD_LIBRARY_PATH": str(qt / "lib")}
    out = subprocess.run(
        ["ldd", str(plugin)], capture_output=True, text=True, env=env, check=True
    ).stdout
    missing = re.findall(r"^\s*(\S+) => not found", out, flags=re.M)
    readme = README.read_text(encoding="utf-8")
    listed = set(re.findall(r"\blib[\w.+-]+", readme))
    unlisted = sorted({package_for(m) for m in missing} - listed)
    assert unlisted == [], f"README 未列出的系统库：{unlisted}"
    # What this machine has is checked too: every xcb library the plugin links is listed.
    linked = re.findall(r"^\s*(libxcb[\w-]*\.so\.\d+)", out, flags=re.M)
    assert sorted({package_for(m) for m in linked} - listed) == []

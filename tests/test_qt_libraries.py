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


def ldd_missing(plugin: Path, lib_dirs: list[Path]) -> tuple[list[str], str]:
    """The packages of the libraries `ldd` cannot find for the plugin that the README does not
    list, and ldd's output. Also run on the PyInstaller bundle's plugin by .ci/bundle_check.sh:
    `python tests/test_qt_libraries.py PLUGIN [LIBDIR...]`."""
    paths = os.pathsep.join(str(d) for d in lib_dirs)
    env = {**os.environ, "LD_LIBRARY_PATH": paths}
    out = subprocess.run(
        ["ldd", str(plugin)], capture_output=True, text=True, env=env, check=True
    ).stdout
    missing = re.findall(r"^\s*(\S+) => not found", out, flags=re.M)
    return sorted({package_for(m) for m in missing} - readme_packages()), out


def readme_packages() -> set[str]:
    return set(re.findall(r"\blib[\w.+-]+", README.read_text(encoding="utf-8")))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and xcb are Linux's")
def test_every_missing_xcb_library_is_in_the_readme() -> None:
    import PySide6

    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    if shutil.which("ldd") is None or not plugin.exists():
        pytest.skip("no ldd or no xcb plugin here")
    unlisted, out = ldd_missing(plugin, [qt / "lib"])
    assert unlisted == [], f"README 未列出的系统库：{unlisted}"
    # What this machine has is checked too: every xcb library the plugin links is listed.
    linked = re.findall(r"^\s*(libxcb[\w-]*\.so\.\d+)", out, flags=re.M)
    assert sorted({package_for(m) for m in linked} - readme_packages()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_an_unlisted_missing_library_is_reported(tmp_path: Path) -> None:
    """The check can fail: a library the README does not name, missing here, is reported."""
    if shutil.which("ldd") is None or shutil.which("cc") is None:
        pytest.skip("no ldd or no C compiler here")
    stub = tmp_path / "libxinfangnowhere.so.7"
    lib = tmp_path / "plugin.so"
    subprocess.run(
        ["cc", "-shared", "-o", str(stub), "-x", "c", "/dev/null", f"-Wl,-soname,{stub.name}"],
        check=True,
    )
    subprocess.run(
        ["cc", "-shared", "-o", str(lib), "-Wl,--no-as-needed", str(stub), "-x", "c", "/dev/null"],
        check=True,
    )
    stub.unlink()
    assert ldd_missing(lib, [])[0] == ["libxinfangnowhere7"]


if __name__ == "__main__":  # .ci/bundle_check.sh: the bundled plugin
    plugin_arg, *dirs = sys.argv[1:]
    unlisted, out = ldd_missing(Path(plugin_arg), [Path(d) for d in dirs])
    listed = sorted(
        {package_for(m) for m in re.findall(r"^\s*(\S+) => not found", out, flags=re.M)}
        - set(unlisted)
    )
    if listed:  # the README names them: this build machine only lacks them
        print(f"bundle: libqxcb.so 需要、本机未安装（README 已列出）：{' '.join(listed)}")
    if unlisted:
        print(
            f"bundle: libqxcb.so 需要而 README 未列出的系统库：{' '.join(unlisted)}",
            file=sys.stderr,
        )
        sys.exit(1)
    print(f"bundle: ldd {plugin_arg}: every library found or listed in the README")

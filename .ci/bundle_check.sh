#!/usr/bin/env bash
# CI, after the tests: build the PyInstaller bundle from build.spec, run its selftest and a
# start-up to the dashboard offscreen, and print the bundle's size. Called by .ci/run.
# Takes about 1 minute on 2 cores (measured here: 44-100 s build depending on load, ~5 s selftest).
set -euo pipefail
cd "$(dirname "$0")/.."

export QT_QPA_PLATFORM=offscreen
# PyInstaller reads ELF files with ldd/objdump and strips them with strip (binutils).
if ! command -v objdump >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends binutils >/dev/null
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/xinfang-bundle-check-XXXXXX")"
trap 'rm -rf "$work"' EXIT

started=$SECONDS
uv run pyinstaller --noconfirm --log-level ERROR \
  --distpath "$work/dist" --workpath "$work/build" build.spec
echo "bundle: built in $((SECONDS - started)) s"

bundle="$work/dist/xinfang"
exe="$bundle/xinfang"
[ -x "$exe" ] || exe="$bundle/xinfang-cli.exe"  # Windows (Git Bash): the console executable

# Data is never written inside the program folder: list it before and after running.
(cd "$bundle" && find . | sort) > "$work/files-before"

"$exe" selftest
"$exe" --data-dir "$work/data" gui --smoke

(cd "$bundle" && find . | sort) > "$work/files-after"
if ! diff "$work/files-before" "$work/files-after"; then
  echo "bundle: the program wrote into its own folder (lines marked > above)" >&2
  exit 1
fi

bytes=$(du -sb "$bundle" | cut -f1)
echo "bundle: size $((bytes / 1048576)) MB ($bytes bytes) in $(find "$bundle" -type f | wc -l) files"

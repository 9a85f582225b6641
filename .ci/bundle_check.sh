#!/usr/bin/env bash
# CI, after the tests: build the PyInstaller bundle from build.spec, run its selftest (every
# module imported, the main window started offscreen) and a start-up to the dashboard offscreen,
# then open the real window under an X server (Xvfb + openbox) for 10 s, take a screenshot and
# close it like a clerk would; print the bundle's size and start times. Called by .ci/run.
# Takes about 1-2 minutes on 2 cores (measured here: 30-100 s build depending on load, ~3 s
# selftest, ~15 s for the window under X).
#
#   XINFANG_SHOT=/some/shot.png   keep a copy of the screenshot (the work folder is removed)
#   XINFANG_BUNDLE=dist/xinfang   check that folder instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."

export QT_QPA_PLATFORM=offscreen
export DEBIAN_FRONTEND=noninteractive

apt_install() {  # apt_install PACKAGE... (root on Debian/Ubuntu; waits for a running apt-get)
  command -v apt-get >/dev/null 2>&1 || return 1
  local apt=(apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@")
  "${apt[@]}" >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null && "${apt[@]}" >/dev/null; }
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }  # milliseconds -> "1.23"

# PyInstaller reads ELF files with ldd/objdump and strips them with strip (binutils).
if ! command -v objdump >/dev/null 2>&1; then
  apt_install binutils || true
fi
# The libraries of Qt's X11 platform plugin (xcb): the bundle carries them, so they must be on
# the build machine (PyInstaller copies what it finds; a missing one would leave a bundle whose
# window cannot open on a PC without it), and the window check below needs them.
if [ -z "${XINFANG_BUNDLE:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
  xcb=()
  for pkg in libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || xcb+=("$pkg")
  done
  if ((${#xcb[@]})); then
    apt_install "${xcb[@]}" || echo "bundle: could not install ${xcb[*]}; the bundle may not open a window" >&2
  fi
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/xinfang-bundle-check-XXXXXX")"
pids=()  # started here, stopped at exit (the program first, the X server last)
pgtls=""  # a PostgreSQL cluster's folder while one runs
cleanup() {
  local i
  [ -n "$pgtls" ] && pg_cluster_stop "$pgtls"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# The bundle's runs must not touch this machine's settings (window layout: QSettings).
export XDG_CONFIG_HOME="$work/config" XDG_RUNTIME_DIR="$work/runtime"
mkdir -m 700 "$XDG_RUNTIME_DIR"

if [ -n "${XINFANG_BUNDLE:-}" ]; then
  bundle="$(cd "$XINFANG_BUNDLE" && pwd)"
  echo "bundle: checking $bundle (not built)"
else
  started=$SECONDS
  uv run pyinstaller --noconfirm --log-level ERROR \
    --distpath "$work/dist" --workpath "$work/build" build.spec
  echo "bundle: built in $((SECONDS - started)) s"
  bundle="$work/dist/xinfang"
fi
exe="$bundle/xinfang"
[ -x "$exe" ] || exe="$bundle/xinfang-cli.exe"  # Windows (Git Bash): the console executable

# The bundled xcb platform plugin: every library ldd cannot find (neither in the bundle nor on
# this machine) must be in the README's package list, or a PC set up from the README has no
# window. The check itself is tests/test_qt_libraries.py's (the same one runs on the venv's).
if [ "$(uname -s)" = Linux ]; then
  qxcb="$(find "$bundle" -name libqxcb.so -path '*platforms*' | head -n 1)"
  [ -n "$qxcb" ] || { echo "bundle: no libqxcb.so (Qt's xcb platform plugin) in $bundle" >&2; exit 1; }
  command -v ldd >/dev/null 2>&1 || { echo "bundle: ldd is needed to check libqxcb.so" >&2; exit 1; }
  # The folders the bundle's libraries sit in (PyInstaller's _internal and Qt's lib folder).
  mapfile -t libdirs < <(find "$bundle" -name '*.so*' -type f -printf '%h\n' | sort -u)
  uv run python tests/test_qt_libraries.py "$qxcb" "${libdirs[@]}"
fi

# Data is never written inside the program folder: list it before and after running.
(cd "$bundle" && find . | sort) > "$work/files-before"

"$exe" selftest | tee "$work/selftest.out"
# build.spec turns UTF-8 mode on (a frozen program ignores PYTHONUTF8); the selftest reports it.
grep -q "UTF-8 模式：开" "$work/selftest.out" || { echo "bundle: not in UTF-8 mode" >&2; exit 1; }

# The bundled selftest connects to a PostgreSQL server over TLS (issue 20): a throwaway cluster
# with a self-signed certificate, `sslmode=require`. On Linux this goes through Python's own
# OpenSSL, which build.spec links psycopg's copy to; a TLS handshake through it must work.
if [ "$(uname -s)" = Linux ]; then
  # shellcheck source=.ci/pg_cluster.sh
  . .ci/pg_cluster.sh
  command -v openssl >/dev/null 2>&1 || apt_install openssl || true
  pg_install || true
  if [ -n "${PG_BIN:-}" ] && command -v openssl >/dev/null 2>&1; then
    pg_account_setup
    pgtls="$work/pg"
    chmod 711 "$work"  # the cluster account reaches its folder inside
    mkdir -p "$pgtls"
    openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
      -keyout "$pgtls/server.key" -out "$pgtls/server.crt" 2>/dev/null
    chmod 600 "$pgtls/server.key"
    [ -n "$PG_ACCOUNT" ] && chown "$PG_ACCOUNT" "$pgtls/server.key" "$pgtls/server.crt"
    pg_cluster_start "$pgtls" ssl=on "ssl_cert_file=$pgtls/server.crt" "ssl_key_file=$pgtls/server.key"
    url="postgresql://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=require"
    "$exe" --database-url "$url" selftest | tee "$work/selftest-server.out"
    pg_cluster_stop "$pgtls"
    pgtls=""
    grep -q "服务器连接.*加密连接 是" "$work/selftest-server.out" ||
      { echo "bundle: the selftest did not connect to the server over TLS" >&2; exit 1; }
    echo "bundle: selftest connected to PostgreSQL over TLS"
  else
    echo "bundle: no PostgreSQL or openssl here: the bundled server connection is not checked" >&2
    [ -n "${CI:-}" ] && exit 1
  fi
fi

t0=$(now_ms)
"$exe" --data-dir "$work/data" gui --smoke
echo "bundle: smoke start (process start to exit, dashboard and case list drawn) $(secs $(($(now_ms) - t0))) s"

# ---- the real window under an X server ------------------------------------------------------
# `gui --demo` as a clerk starts it (not the --smoke shortcut): the single-instance socket
# (QtNetwork), the error hook, the demo database generated on first use, the 数据安全 menu.
# It must stay up 10 s with no traceback and no error dialog, draw, and close with exit code 0.
TITLE="信访工作台（演示数据）"
# Dialogs that mean the start failed (grep ui/ app/cli/ for setWindowTitle / QMessageBox):
# ui/errors.py (the exception hook's and the start-up failure's), ui/main.py, ui/safety/data_safety.py.
ERROR_TITLES=("程序出错" "信访工作台无法启动" "无法打开数据库" "数据库已损坏" "信访工作台已在运行" "数据文件夹在网络驱动器上")

gui_check() {
  local tool missing=()
  for tool in Xvfb:xvfb openbox:openbox xwininfo:x11-utils xprop:x11-utils import:imagemagick identify:imagemagick wmctrl:wmctrl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
  done
  if ((${#missing[@]})); then
    apt_install $(printf '%s\n' "${missing[@]}" | sort -u) || {
      echo "bundle: the window check needs ${missing[*]} (apt-get install as root)" >&2
      return 1
    }
  fi

  # A free display number, chosen by Xvfb itself.
  Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
  pids+=($!)
  local i
  for ((i = 0; i < 100; i++)); do [ -s "$work/display" ] && break; sleep 0.1; done
  [ -s "$work/display" ] || { echo "bundle: Xvfb did not start" >&2; cat "$work/xvfb.log" >&2; return 1; }
  local display=":$(cat "$work/display")"
  DISPLAY="$display" openbox >"$work/openbox.log" 2>&1 &
  pids+=($!)
  for ((i = 0; i < 100; i++)); do
    DISPLAY="$display" xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id" && break
    sleep 0.1
  done

  local data="$work/data2" shot="$work/window.png" t0 shown="" rc=0 id="" problem=""
  t0=$(now_ms)
  env -u QT_QPA_PLATFORM DISPLAY="$display" "$exe" --data-dir "$data" gui --demo \
    >"$work/gui.out" 2>"$work/gui.err" &
  local pid=$!
  pids+=("$pid")
  windows() { DISPLAY="$display" xwininfo -root -tree 2>/dev/null || true; }
  while (($(now_ms) - t0 < 10000)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" || rc=$?
      problem="the program exited after $(secs $(($(now_ms) - t0))) s with code $rc (it must stay up 10 s)"
      break
    fi
    windows > "$work/windows"
    if [ -z "$shown" ] && grep -qF "\"$TITLE\"" "$work/windows"; then
      shown=$(($(now_ms) - t0))
    fi
    local title
    for title in "${ERROR_TITLES[@]}"; do
      grep -qF "\"$title\"" "$work/windows" && problem="an error dialog is shown: “$title”"
    done
    [ -n "$problem" ] && break
    sleep 0.2
  done
  DISPLAY="$display" import -window root "$shot" || true
  echo "bundle: screenshot $shot"
  if [ -n "${XINFANG_SHOT:-}" ] && [ -f "$shot" ]; then
    cp "$shot" "$XINFANG_SHOT" && echo "bundle: screenshot copied to $XINFANG_SHOT"
  fi
  [ -n "$problem" ] || [ -n "$shown" ] || problem="no window titled “$TITLE” within 10 s"
  if [ -z "$problem" ]; then
    local colours
    colours=$(identify -format '%k' "$shot" 2>/dev/null || echo 0)
    ((colours >= 50)) || problem="the screenshot is nearly blank ($colours colours)"
  fi
  if [ -z "$problem" ]; then
    # Close it as the title bar's × does (the window manager asks the window to close).
    id=$(windows | grep -F "\"$TITLE\"" | awk '{print $1}' | head -n 1)
    DISPLAY="$display" wmctrl -i -c "$id"
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      problem="the program did not exit within 20 s after its window was closed"
    else
      wait "$pid" || rc=$?
      ((rc == 0)) || problem="the program exited with code $rc after its window was closed"
    fi
  fi
  local log="$data/demo/logs/xinfang.log"
  if grep -q "Traceback" "$work/gui.err" "$work/gui.out" 2>/dev/null || { [ -f "$log" ] && grep -q "Traceback" "$log"; }; then
    problem="${problem:+$problem; }a traceback in its output or log"
  fi
  if [ -n "$problem" ]; then
    echo "bundle: gui --demo under X failed: $problem" >&2
    echo "--- windows:" >&2; grep '"' "$work/windows" >&2 || true
    echo "--- stderr:" >&2; cat "$work/gui.err" >&2
    [ -f "$log" ] && { echo "--- $log:" >&2; cat "$log" >&2; }
    return 1
  fi
  echo "bundle: gui --demo under X: window “$TITLE” shown after $(secs "$shown") s" \
    "(first start: includes generating the demo database), up 10 s, drawn, closed with code 0"
}

if [ "$(uname -s)" = Linux ]; then
  gui_check
fi

(cd "$bundle" && find . | sort) > "$work/files-after"
if ! diff "$work/files-before" "$work/files-after"; then
  echo "bundle: the program wrote into its own folder (lines marked > above)" >&2
  exit 1
fi

bytes=$(du -sb "$bundle" | cut -f1)
echo "bundle: size $((bytes / 1048576)) MB ($bytes bytes) in $(find "$bundle" -type f | wc -l) files"

#!/usr/bin/env bash
# Installs what the product (demo) or the test suite (test) needs on a Debian machine,
# Debian packages and Python packages alike, into .venv/ in the checkout. Idempotent:
# what is already there is not installed again.
set -euo pipefail
what=${1:-demo}
cd "$(dirname "$0")/.."

# libportaudio2: sounddevice; the libxcb/libxkbcommon/libgl/libegl set: Qt's xcb and
# offscreen platforms (PySide6 wheels bring Qt, not these system libraries).
debs=(python3 python3-venv python3-dev gcc libportaudio2 libgl1 libegl1 libxkbcommon0
      libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4
      libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0
      fonts-dejavu-core)
if [ "$what" = test ]; then
  # sipp (sip-tester) and kamailio are the real SIP peers of the tests and benchmarks;
  # desktop-file-utils and appstream validate packaging/ (tests/integration/test_packaging.py).
  # baresip-core and linphone-cli: third-party phones of tests/interop/.
  debs+=(sip-tester kamailio xvfb desktop-file-utils appstream baresip-core linphone-cli)
fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A pyenv or other non-Debian python3 on PATH makes the Debian python packages optional.
if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=($(printf '%s\n' "${missing[@]}" | grep -v -E '^python3(-venv|-dev)?$' || true))
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: these Debian packages are missing and I am not root: ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

extras=$([ "$what" = test ] && echo "[test]" || echo "")
stamp=".venv/.installed-$what"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi
# Translations: the .ts sources are in i18n/, the compiled .qm files are built here.
for ts in i18n/*.ts; do
  [ -e "$ts" ] || continue
  qm="${ts%.ts}.qm"
  if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
    .venv/bin/pyside6-lrelease -silent "$ts" -qm "$qm"
  fi
done

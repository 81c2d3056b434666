#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests and prints its path. Browsers
# cannot be downloaded from npm here, so playwright-core drives the distribution's package; on a
# fresh machine (CI runs as root) it is installed from Debian's archive.
set -euo pipefail
BIN="${VITRINA_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing at $BIN; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing at $BIN and there is no apt-get to install it with" >&2
  exit 1
fi
echo "installing Chromium from Debian's packages (once per machine)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >&2
if [ ! -x "$BIN" ]; then
  echo "apt-get installed chromium but $BIN is still missing" >&2
  exit 1
fi
echo "$BIN"

#!/usr/bin/env bash
# Install the Debian packages named as arguments that are missing, where this machine lets us:
# a CJK font so PDFs print Chinese, gettext to compile the English catalogue, the Pango libraries
# WeasyPrint renders with, and for tests Debian's chromium, poppler-utils and postgresql-client (pg_dump for
# the backup tests on PostgreSQL).
# Never fails the build by itself: a machine without apt gets a note with what to install.
set -u
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get here; please install: ${missing[*]}" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "note: not root; please install with apt-get: ${missing[*]}" >&2
    exit 0
  fi
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null || true
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "warning: could not install ${missing[*]}" >&2
exit 0

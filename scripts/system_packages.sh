#!/usr/bin/env bash
# Installs the Debian packages a make target needs, when the file each provides is missing.
#
#   scripts/system_packages.sh WHAT PACKAGE=FILE ...
#
# WHAT names the target in the messages ("make test"). Nothing happens when every FILE exists.
# Otherwise, as root on Debian, `apt-get install` the missing packages (one update first); as
# anybody else, print the one command that would, and fail before the target starts rather than
# letting its tests fail one by one.
set -euo pipefail
what=$1; shift
missing=()
for pair in "$@"; do
  [ -e "${pair#*=}" ] || missing+=("${pair%%=*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "$what needs the Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Install them first: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing them with apt-get (a few minutes, once)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pair in "$@"; do
  [ -e "${pair#*=}" ] || { echo "${pair%%=*} is installed but ${pair#*=} is still missing" >&2; exit 1; }
done

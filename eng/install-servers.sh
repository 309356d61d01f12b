#!/usr/bin/env bash
# Installs the servers that local mode runs (Debian/Ubuntu packages), only when they are missing.
# Nothing is started or enabled as a system service: the AppHost and the tests start private instances.
# Extra package names (e.g. wrk, chromium) are installed too when their command is missing.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } || missing+=(mariadb-server)
for extra in "$@"; do command -v "$extra" >/dev/null 2>&1 || missing+=("$extra"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}. Install them with your package manager (redis-server and mariadb-server), then try again." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Missing: ${missing[*]}, and not root without sudo: install them as root." >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing ${missing[*]} (Debian packages)…"
# policy-rc.d keeps the packages from starting system services we do not use.
$sudo sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed ${missing[*]}."

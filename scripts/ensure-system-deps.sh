#!/usr/bin/env bash
# Install the Debian packages the app needs when they are missing: `pdf` (the DejaVu fonts the invoice
# PDFs embed), `bench` (pango and the fonts for the bench's WeasyPrint yardstick) or `browser` (chromium for
# the browser tests). Uses sudo when not root.
set -euo pipefail
what=${1:-pdf}
case "$what" in
  pdf) check() { [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]; }
       pkgs="fonts-dejavu-core" ;;
  bench) check() { ldconfig -p | grep -q libpango-1.0 && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; }
       pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core" ;;
  browser) check() { [ -x /usr/bin/chromium ]; }
       pkgs="chromium fonts-dejavu-core" ;;
  *) echo "usage: $0 pdf|bench|browser" >&2; exit 2 ;;
esac
check && exit 0
echo "Installing $pkgs (apt-get)..."
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq $pkgs >/dev/null
check

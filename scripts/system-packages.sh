#!/usr/bin/env bash
# Install the Debian packages the portal needs, when they are missing and we can:
# CJK fonts (PDFs in Chinese; WenQuanYi Zen Hei keeps certificates small; Hanazono draws the
# rare name characters of CJK Extensions A-F, portal/pdf.py), libharfbuzz-subset0 (without it WeasyPrint subsets
# fonts 10-50x slower), poppler-utils and zbar-tools (PDF text and QR codes in tests), gettext
# (compilemessages), Pango (WeasyPrint's text layout), Chromium (browser tests), and npm where
# there is none (it installs axe-core for the browser tests' accessibility checks).
set -u
packages=(fonts-noto-cjk fonts-wqy-zenhei fonts-hanazono libharfbuzz-subset0 poppler-utils zbar-tools gettext libpango-1.0-0 libpangoft2-1.0-0 chromium)
command -v npm >/dev/null 2>&1 || packages+=(npm)

command -v dpkg-query >/dev/null 2>&1 || { echo "system-packages: not a Debian system; install ${packages[*]} by hand." >&2; exit 0; }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "system-packages: missing ${missing[*]}; run as root to install them." >&2
  exit 0
fi
echo "system-packages: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

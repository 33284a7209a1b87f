#!/usr/bin/env bash
# Extracts real photographs from Debian's opencv-doc package into data/photos/ (not
# committed): baboon, fruits, building, graf1, ... for trying tessera on real content.
# Downloads the .deb only (about 96 MB); installs nothing.
set -euo pipefail
cd "$(dirname "$0")"
photos=(baboon.jpg fruits.jpg building.jpg board.jpg butterfly.jpg graf1.png graf3.png chicky_512.png messi5.jpg)
work=$(mktemp -d)
chmod 755 "$work"  # apt downloads as the _apt user
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download opencv-doc >/dev/null)
dpkg-deb -x "$work"/opencv-doc_*.deb "$work/x"
mkdir -p photos
for p in "${photos[@]}"; do cp "$work/x/usr/share/doc/opencv-doc/examples/data/$p" photos/; done
echo "extract_photos: ${#photos[@]} photographs in $(pwd)/photos"

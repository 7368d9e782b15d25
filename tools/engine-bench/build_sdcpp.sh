#!/bin/sh
# Builds stable-diffusion.cpp's `sd-cli` (CPU, Release, -DGGML_NATIVE=ON) into DEST from bare git
# mirrors of leejet/stable-diffusion.cpp and ggml-org/ggml (its ggml submodule is checked out at
# the commit the superproject pins). Blobs the mirror lacks (the large vocabularies of text
# encoders SD 1.5 does not use) are replaced by one-byte stubs, which only those models read.
#
# Usage: build_sdcpp.sh SDCPP_GIT_DIR GGML_GIT_DIR DEST
set -eu
sdcpp=$1
ggml=$2
dest=$3
mkdir -p "$dest"
git --git-dir="$sdcpp" ls-tree -r HEAD | while read -r mode type hash path; do
  [ "$type" = blob ] || continue
  case $path in assets/* | docs/* | docker/*) continue ;; esac
  mkdir -p "$dest/$(dirname "$path")"
  if ! git --git-dir="$sdcpp" cat-file blob "$hash" >"$dest/$path" 2>/dev/null; then
    echo "not in the mirror (stubbed below if a vocabulary): $path" >&2
    rm -f "$dest/$path"
  fi
done
pinned=$(git --git-dir="$sdcpp" ls-tree HEAD ggml | awk '{print $3}')
echo "stable-diffusion.cpp $(git --git-dir="$sdcpp" rev-parse HEAD), ggml $pinned"
rm -rf "$dest/ggml" && mkdir "$dest/ggml"
git --git-dir="$ggml" archive "$pinned" | tar x -C "$dest/ggml"
# The stubs: every array vocab.cpp names whose header is missing gets a one-byte body.
cd "$dest/src/tokenizers/vocab"
for header in $(sed -n 's/#include "\(.*\.hpp\)"/\1/p' vocab.cpp); do
  [ -f "$header" ] && continue
  echo "/* stub: not in the mirror */" >"$header"
done
for array in $(sed -n 's/.*reinterpret_cast<const char\*>(\([a-z0-9_]*\)).*/\1/p' vocab.cpp); do
  grep -q "$array\[\]" ./*.hpp || echo "static const unsigned char ${array}[] = {0x0a};" >>"$(grep -l 'stub: not in the mirror' ./*.hpp | head -n 1)"
done
cd "$dest"
cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON >/dev/null
cmake --build build --config Release -j "$(nproc)" --target sd-cli
ls -la build/bin/sd-cli

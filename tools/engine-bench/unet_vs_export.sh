#!/bin/sh
# Compiles UNetVsExport.java against the built CLI's class path (run ./hydrogen once first) and
# runs it with the given arguments (see the class's Javadoc for the modes), e.g.
#   unet_vs_export.sh compare /work/models/sd15/unet /work/models/bench/onnx/unet.onnx 2 6 32
#   unet_vs_export.sh memory engine|exported UNET_DIR ONNX 2 32 3
#   unet_vs_export.sh profile engine|exported UNET_DIR ONNX 2 32 OUT_DIR
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
. "$root/bin/jdk.sh"
lib="$root/cli/target/lib"
[ -d "$lib" ] || { echo "no $lib: run ./hydrogen --help once to build the CLI" >&2; exit 1; }
classes=${TMPDIR:-/tmp}/unet-vs-export-classes
mkdir -p "$classes"
"$JAVA_HOME/bin/javac" -nowarn -d "$classes" -cp "$lib/*" "$root/tools/engine-bench/UNetVsExport.java"
# The tool's class comes first: it shares the engine's graph package for the profile mode.
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED $HYDROGEN_JAVA_FLAGS \
  -cp "$classes:$lib/*" network.hydrogen.engine.graph.UNetVsExport "$@"

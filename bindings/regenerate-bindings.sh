#!/usr/bin/env bash
# Regenerates the FFM bindings in src/main/java/dev/panllama/bindings/internal from the pinned headers.
# Needs `jextract` (JDK 25 capable, libclang 15) on PATH. Run after bumping native-build/llama.lock.
# The include lists in jextract/ are committed; the whole-header lists are checked against the headers so
# that a bump which adds or removes declarations shows up as a failure here, not as a silent gap.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v jextract >/dev/null || { echo "jextract is not on PATH" >&2; exit 1; }
include_dir="$(bash "$here/../native-build/build-natives.sh" --print-dir | tail -1)/include"
package=dev.panllama.bindings.internal
out="$here/src/main/java"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

jextract -I "$include_dir" --dump-includes "$work/dump.txt" "$here/jextract/panllama.h" >/dev/null 2>&1
stale=0
for h in llama gguf ggml-backend ggml-rpc; do
  grep "^--include.*/$h.h\$" "$work/dump.txt" | awk '{print $1, $2}' | sort -u >"$work/$h.now"
  sed -n -e 's/^#! *\(--include-[a-z]* [^ ]*\).*/\1/p' -e '/^--include/p' "$here/jextract/includes-$h.txt" \
    | sort -u >"$work/$h.committed"
  # entries the header lost are an error; extra committed entries (dependencies jextract needs) are fine
  if ! comm -23 "$work/$h.now" "$work/$h.committed" | diff /dev/null - >/dev/null; then
    echo "jextract/includes-$h.txt misses declarations of $h.h:" >&2
    comm -23 "$work/$h.now" "$work/$h.committed" >&2; stale=1
  fi
done
[ $stale -eq 0 ] || { echo "update the include lists (see above), then run again" >&2; exit 1; }

grep -hv '^#' "$here"/jextract/includes-*.txt >"$work/args.txt"
rm -rf "$out/${package//.//}"
jextract -I "$include_dir" -t "$package" --header-class-name LlamaCpp --output "$out" \
  @"$work/args.txt" "$here/jextract/panllama.h" 2>&1 | grep -v 'warning: Skipping' || true
echo "generated $(find "$out/${package//.//}" -name '*.java' | wc -l) files into $out/${package//.//}"

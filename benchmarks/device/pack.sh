#!/usr/bin/env bash
# Packs what a GPU machine without Java, npm or network needs to build and run panllama there:
#   .device/jre.tar.xz        a jlink'ed JDK 25 runtime
#   .device/app/              the CLI jar and its libraries (natives excluded: the device builds its own)
#   .device/llama-src.tar.xz  the pinned llama.cpp source, for native-build/build-natives.sh --source
# .device/ is git-ignored; carry it to the device and start benchmarks/device/panllama-device there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$root/.device"
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/jlink" ] && "$candidate/bin/java" -version 2>&1 | grep -q 'version "25'; then
    export JAVA_HOME=$candidate; break
  fi
done
[ -x "${JAVA_HOME:-}/bin/jlink" ] || { echo "pack.sh needs a JDK 25 (with jlink) in JAVA_HOME" >&2; exit 1; }
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

(cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests -pl cli -am package) >&2
rm -rf "$out"; mkdir -p "$out/app/lib"
cp "$root/cli/target/panllama-cli.jar" "$out/app/"
# bench embed's reference models and ONNX Runtime (about 270 MB) stay behind: the bundle must fit the device's
# transfer limit, and the GPU benchmarks do not use them
find "$root/cli/target/lib" -name '*.jar' ! -name 'panllama-natives-*' ! -name 'langchain4j-*' ! -name 'onnxruntime-*' \
  ! -name 'tokenizers-*' -exec cp {} "$out/app/lib/" \;

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# java.desktop for java.beans (Jinja templates) and charts; jdk.jfr for profiles. Uncompressed modules, then xz:
# smaller than jlink's own zip compression, which matters under the device's transfer limit.
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.desktop,java.xml,jdk.unsupported,jdk.jfr,jdk.management,jdk.crypto.ec,jdk.zipfs,java.scripting,jdk.httpserver \
  --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output "$tmp/jre"
tar -C "$tmp" -cJf "$out/jre.tar.xz" jre
"$root/native-build/build-natives.sh" --export-source "$out/llama-src.tar.xz"
du -sh "$out" >&2

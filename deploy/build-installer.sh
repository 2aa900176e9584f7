#!/usr/bin/env bash
# Builds the offline installer: OUT/ferry-VERSION-linux-x86_64.tar.gz and its .sha256, for machines with no JDK
# and no network (docs/install.md). It holds a Java runtime made by jlink with only the JDK modules ferry needs,
# ferry's jars with RocksDB's native library for Linux x86_64 only, the start-up archive (an AOT cache, made here
# by a trial serve with that runtime), bin/ferry, install.sh, a sample etc/ferry.yaml, the systemd unit, the
# compose and Kubernetes files, and the docs.
#
#   deploy/build-installer.sh [--out DIR] [--no-build]      (default OUT: target/deploy)
#
# Builds ferry first when the jar is missing, older than the sources (as ./ferry does) or from another commit.
# Prints the tarball's path on standard output, progress on standard error.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
out="$root/target/deploy"
build=yes
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--no-build) build=no; shift ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "build-installer.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
	# jlink copies the building JDK's own native runtime: it makes a runtime for this machine's platform only.
	echo "build-installer.sh: builds the linux-x86_64 installer, so it must run on Linux x86_64 (this is $(uname -s) $(uname -m))" >&2
	exit 1
fi

# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
JAVA_HOME=$(find_jdk)
export JAVA_HOME
for tool in jlink jdeps jar; do
	[ -x "$JAVA_HOME/bin/$tool" ] || { echo "build-installer.sh: $JAVA_HOME has no $tool" >&2; exit 1; }
done

# ./ferry rebuilds the jar when it is missing or older than the sources; its --version is what the installer is
# named by. A jar built at another commit (sources unchanged since) is rebuilt too, so VERSION tells the truth;
# --no-build takes the jar as it is (the ITs, which run inside the build that made it).
if [ "$build" = yes ]; then
	version_line=$("$root/ferry" --version | head -n1) # "ferry 0.1.0 (commit abc...)"
else
	version_line=$("$JAVA_HOME/bin/java" -jar "$root/server/target/ferry-server.jar" --version | head -n1)
fi
commit=$(git -C "$root" describe --always --dirty --abbrev=40 --exclude='*' 2>/dev/null || echo unknown)
if [ "$build" = yes ] && [ "$version_line" = "${version_line%"(commit $commit)"}" ]; then
	echo "build-installer.sh: the jar says $version_line, the checkout is at $commit: rebuilding" >&2
	(cd "$root" && ./mvnw -B -q -DskipTests package) >&2
	touch "$root/server/target/ferry-server.jar"
	version_line=$("$root/ferry" --version | head -n1)
fi
version=$(sed -n 's/^ferry \([^ ]*\) .*/\1/p' <<<"$version_line")
[ -n "$version" ] || { echo "build-installer.sh: cannot read the version from: $version_line" >&2; exit 1; }
name="ferry-$version-linux-x86_64"
target="$root/server/target"
native="$target/native/librocksdbjni-linux64.so"
[ -f "$native" ] || { echo "build-installer.sh: no $native: run ./mvnw -DskipTests package" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-installer.XXXXXX")
upstream="" registry="" # the trial's upstream servers, stopped on any exit
trap '[ -z "$upstream" ] || kill "$upstream" 2>/dev/null || true; [ -z "$registry" ] || kill "$registry" 2>/dev/null || true; rm -rf "$work"' EXIT
stage="$work/$name"
mkdir -p "$stage/bin" "$stage/lib" "$stage/etc" "$stage/systemd" "$stage/docs" "$stage/deploy"

echo "build-installer.sh: $version_line, JDK $JAVA_HOME" >&2

# Jars: ferry's and its runtime dependencies. RocksDB's jar carries native libraries for every platform
# (88 MB); it goes in without them, and this platform's one goes beside it, where java.library.path points.
cp "$target/ferry-server.jar" "$stage/lib/"
for jar in "$target"/lib/*.jar; do
	case "$(basename "$jar")" in
	rocksdbjni-*.jar)
		mkdir "$work/rocksdb"
		(cd "$work/rocksdb" && "$JAVA_HOME/bin/jar" xf "$jar" && rm -f -- *.so *.jnilib *.dll)
		"$JAVA_HOME/bin/jar" --create --file "$stage/lib/$(basename "$jar")" --manifest "$work/rocksdb/META-INF/MANIFEST.MF" \
			-C "$work/rocksdb" org
		;;
	*) cp "$jar" "$stage/lib/" ;;
	esac
done
cp "$native" "$stage/lib/"

# The runtime: the modules jdeps finds in the jars, plus jdk.crypto.ec where the JDK still has it (JDK 21 keeps
# the elliptic-curve TLS ciphers there; from 22 on they are in java.base and the module is empty).
echo "build-installer.sh: jdeps..." >&2
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 21 \
	--class-path "$stage/lib/*" "$stage"/lib/*.jar 2>/dev/null | tail -n1)
case "$modules" in java.base*) ;; *) echo "build-installer.sh: jdeps printed no module list: $modules" >&2; exit 1 ;; esac
if "$JAVA_HOME/bin/java" --list-modules | grep -q '^jdk.crypto.ec@'; then
	modules="$modules,jdk.crypto.ec"
fi
# Before JDK 25 the start-up archive is a dynamic CDS archive, which needs the runtime's own base archive.
jdk_major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
cds=()
[ "${jdk_major:-0}" -ge 25 ] || cds=(--generate-cds-archive)
echo "build-installer.sh: jlink $modules" >&2
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
	"${cds[@]}" --output "$stage/runtime"
# The JDK's native libraries keep their symbol tables (libjvm.so: 29 MB, 24 MB without); stripped as Debian's own
# JDK packages are, they make room for the start-up archive below (the image's aim is under 150 MB).
if command -v strip >/dev/null; then
	find "$stage/runtime/lib" -name '*.so' -exec strip --strip-unneeded {} +
else
	echo "build-installer.sh: no strip (binutils): the runtime's libraries keep their symbol tables" >&2
fi

# Launcher and install script; the JVM defaults are ./ferry's own file.
cp "$root/deploy/installer/ferry" "$stage/bin/ferry"
cp "$root/deploy/installer/install.sh" "$stage/install.sh"
chmod 0755 "$stage/bin/ferry" "$stage/install.sh"
cp "$root/scripts/jvm-defaults.sh" "$stage/lib/jvm-defaults.sh"
cp "$root/deploy/ferry.yaml" "$stage/etc/ferry.yaml"
cp "$root/deploy/systemd/ferry.env" "$stage/etc/ferry.env"
cp "$root/deploy/systemd/ferry.service" "$stage/systemd/ferry.service"
cp "$root/README.md" "$stage/README.md"
cp "$root"/docs/*.md "$stage/docs/"
cp -r "$root/deploy/compose" "$root/deploy/kubernetes" "$root/deploy/kubernetes-monitoring" "$root/deploy/cluster" "$stage/deploy/"
echo "$version_line" >"$stage/VERSION"

# One time for every entry (the tarball's, below): set now, because the start-up archive records its jars' times.
mtime=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)
find "$stage" -exec touch -h -d "@$mtime" {} +

# The start-up archive (docs/configuration.md, JVM options): the installed bin/ferry cannot make it, its lib/ being
# read-only to the ferry user, so a trial serve of the staged installation makes it here, with the bundled runtime
# (the archive fits only the JVM build that made it) on a throwaway data directory: start, ready, a few requests,
# SIGTERM. JDK 25 and later: an AOT cache (lib/ferry-serve.aot); before: a CDS archive (lib/ferry-serve.jsa). It
# holds the class path relative to the installation, so it fits wherever the tree is installed, as long as each
# jar keeps its size and time (tar, install.sh and build-image.sh keep them).
if [ "${jdk_major:-0}" -ge 25 ]; then
	archive="$stage/lib/ferry-serve.aot" record="-XX:AOTCacheOutput=$stage/lib/ferry-serve.aot"
else
	archive="$stage/lib/ferry-serve.jsa" record="-XX:ArchiveClassesAtExit=$stage/lib/ferry-serve.jsa"
fi
echo "build-installer.sh: trial serve for the start-up archive ($(basename "$archive"))..." >&2
# A GOPROXY upstream for the trial, so that the archive also covers a cold module miss (fetch, zip check, h1 hash,
# chunking, commit): the first misses of an installed ferry are what users wait on, and the trial's classes and
# method profiles are what the archive gives them. Three versions of a made-up module, served by the JDK's own
# static file server (jwebserver) over loopback; without it (a JDK lacking jdk.httpserver) the trial has no upstream.
listening_port() { # PID LOG: the port the server PID says in LOG it listens on ("... port N"), empty if it died
	local port=""
	for _ in $(seq 1 600); do
		port=$(sed -n 's/.*port \([0-9][0-9]*\)$/\1/p' "$2")
		if [ -n "$port" ] || ! kill -0 "$1" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "$port"
}
go_upstream=off
if [ -x "$JAVA_HOME/bin/jwebserver" ]; then
	tree="$work/trial-upstream" module=example.com/ferry-trial
	mkdir -p "$tree/$module/@v"
	for v in v1.0.0 v1.0.1 v1.1.0; do
		files="$work/trial-module/$v" && mkdir -p "$files/$module@$v"
		printf 'module %s\n\ngo 1.21\n' "$module" >"$files/$module@$v/go.mod"
		printf 'package trial\n\n// Version says which release this is.\nconst Version = "%s"\n' "$v" >"$files/$module@$v/trial.go"
		# Files named one by one: jar then writes no directory entries, which a module zip must not have.
		"$JAVA_HOME/bin/jar" --create --no-manifest --file "$tree/$module/@v/$v.zip" \
			-C "$files" "$module@$v/go.mod" -C "$files" "$module@$v/trial.go"
		cp "$files/$module@$v/go.mod" "$tree/$module/@v/$v.mod"
		printf '{"Version":"%s","Time":"2024-01-01T00:00:00Z"}\n' "$v" >"$tree/$module/@v/$v.info"
		echo "$v" >>"$tree/$module/@v/list"
	done
	# Each log made before its server starts: the child opens it only once forked, and a read in between fails.
	: >"$work/trial-upstream.log"
	"$JAVA_HOME/bin/jwebserver" -p 0 -d "$tree" -o none >"$work/trial-upstream.log" 2>&1 &
	upstream=$!
	port=$(listening_port "$upstream" "$work/trial-upstream.log")
	if [ -n "$port" ]; then
		go_upstream="http://127.0.0.1:$port"
	else
		kill "$upstream" 2>/dev/null || true
		upstream=""
		echo "build-installer.sh: no trial upstream (jwebserver did not start); the archive covers no module miss" >&2
	fi
fi
# An OCI upstream for the same reason: a cold image pull (manifest, config, a small and a 24 MiB layer: spool, fixed
# chunks, the large-object flush) through docker.io's name, as Docker's registry-mirrors and containerd send it.
# deploy/TrialRegistry.java serves that one image from memory (the JDK's source launcher and its HTTP server); if it
# does not start, the trial goes on without a registry.
registry_args=()
: >"$work/trial-registry.log"
"$JAVA_HOME/bin/java" "$root/deploy/TrialRegistry.java" >"$work/trial-registry.log" 2>&1 &
registry=$!
rport=$(listening_port "$registry" "$work/trial-registry.log")
if [ -n "$rport" ]; then
	registry_args=(--registry "docker.io=http://127.0.0.1:$rport")
else
	kill "$registry" 2>/dev/null || true
	registry=""
	echo "build-installer.sh: no trial registry (TrialRegistry.java did not start); the archive covers no image pull" >&2
fi
trial_log="$work/trial.log"
: >"$trial_log"
FERRY_JAVA_OPTS="$record" "$stage/bin/ferry" serve --listen 127.0.0.1:0 --data "$work/trial-data" \
	--go-upstream "$go_upstream" --sumdb off "${registry_args[@]}" --log-level warn >"$trial_log" 2>&1 &
trial=$!
url=""
for _ in $(seq 1 3000); do # up to 5 minutes on a loaded machine
	url=$(sed -n 's|^ferry ready on \(http://[^ ]*\)$|\1|p' "$trial_log")
	if [ -n "$url" ] || ! kill -0 "$trial" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
[ -n "$url" ] || { kill "$trial" 2>/dev/null || true; cat "$trial_log" >&2; echo "build-installer.sh: the trial serve did not get ready" >&2; exit 1; }
# The requests a fresh ferry serves first: probes, metrics, the trial module's list, versions and files (misses,
# then hits), a module no upstream has (404), the registry's base. Through bash's /dev/tcp, so the build needs no curl.
address=${url#http://}
paths=(/health/ready /health/live /metrics)
m=/example.com/ferry-trial/@v
for v in v1.0.0 v1.0.1 v1.1.0; do
	paths+=("$m/list" "$m/$v.info" "$m/$v.mod" "$m/$v.zip" "$m/$v.zip")
done
paths+=(/example.com/ferry-trial/@latest /example.com/m/@v/list /example.com/m/@v/v1.0.0.info /v2/ /metrics)
get() { # METHOD PATH [ACCEPT]: the response in $work/trial-response, its start added to trial-requests.log
	timeout 60 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" &&
		printf "%s %s HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\nConnection: close\r\n\r\n" "$2" "$3" "$1" "$4" >&3 &&
		cat <&3' _ "$address" "$1" "$2" "${3:-*/*}" >"$work/trial-response" 2>&1 || true
	{ head -c 4096 "$work/trial-response" && echo; } >>"$work/trial-requests.log" # not the 24 MiB layer twice
}
for path in "${paths[@]}"; do
	get GET "$path"
done
if [ -n "$registry" ]; then
	# What skopeo and containerd ask, cold and then warm: the tag (HEAD, then GET with the manifest types), then
	# each blob the manifest names, found by their digests in the manifest as served; then a tag nobody has.
	accept="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
	accept+=", application/vnd.docker.distribution.manifest.v2+json"
	for round in cold warm; do
		get HEAD /v2/library/trial/manifests/v1 "$accept"
		get GET /v2/library/trial/manifests/v1 "$accept"
		# the body, after the headers' blank line: the manifest names the config and layers by digest
		for digest in $(sed '1,/^\r*$/d' "$work/trial-response" | grep -o 'sha256:[0-9a-f]\{64\}' | sort -u); do
			get GET "/v2/library/trial/blobs/$digest"
		done
		echo "trial pull ($round) done" >>"$work/trial-requests.log"
	done
	get GET /v2/library/trial/manifests/v2 "$accept"
fi
kill -TERM "$trial"
wait "$trial" || true
for server in "$upstream" "$registry"; do
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
done
upstream="" registry=""
if [ ! -s "$archive" ]; then
	cat "$trial_log" >&2
	echo "build-installer.sh: the trial serve made no $(basename "$archive")" >&2
	exit 1
fi
rm -f "$archive.config"
touch -d "@$mtime" "$archive"
# The archive must be usable by the runtime as installed: -XX:AOTMode=on (-Xshare:on) refuses to start otherwise.
check=-XX:AOTMode=on
[ "${jdk_major:-0}" -ge 25 ] || check="-Xshare:on -XX:SharedArchiveFile=$archive"
FERRY_JAVA_OPTS="$check" "$stage/bin/ferry" serve --version >/dev/null ||
	{ echo "build-installer.sh: the runtime refuses the archive just made" >&2; exit 1; }
echo "build-installer.sh: $(basename "$archive") $(du -m "$archive" | cut -f1) MB" >&2

# One owner and one time for every entry, in name order: the same tree packs to the same listing.
mkdir -p "$out"
tarball="$out/$name.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$work" -cf - "$name" | gzip -n -6 >"$tarball.part"
mv "$tarball.part" "$tarball"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "build-installer.sh: $tarball ($(du -m "$tarball" | cut -f1) MB)" >&2
echo "$tarball"

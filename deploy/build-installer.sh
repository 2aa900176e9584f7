#!/usr/bin/env bash
# Builds the offline installer: OUT/ferry-VERSION-linux-x86_64.tar.gz and its .sha256, for machines with no JDK
# and no network (docs/install.md). It holds a Java runtime made by jlink with only the JDK modules ferry needs,
# ferry's jars with RocksDB's native library for Linux x86_64 only, bin/ferry, install.sh, a sample
# etc/ferry.yaml, the systemd unit, the compose and Kubernetes files, and the docs.
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
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
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
trap 'rm -rf "$work"' EXIT
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
echo "build-installer.sh: jlink $modules" >&2
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
	--output "$stage/runtime"

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

# One owner and one time for every entry, in name order: the same tree packs to the same listing.
mkdir -p "$out"
tarball="$out/$name.tar.gz"
mtime=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$work" -cf - "$name" | gzip -n -6 >"$tarball.part"
mv "$tarball.part" "$tarball"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "build-installer.sh: $tarball ($(du -m "$tarball" | cut -f1) MB)" >&2
echo "$tarball"

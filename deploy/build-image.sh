#!/usr/bin/env bash
# Builds ferry's container image without pulling anything from a registry (docs/install.md#container-image):
#   layer 1: a minimal Debian made from Debian packages by mmdebstrap (libc, libstdc++, bash, also as /bin/sh; no
#            package manager, no other tools), user ferry (10001) in /etc/passwd, /tmp;
#   layer 2: the offline installer's Java runtime and ferry in /opt/ferry (without its start-up AOT cache: size),
#            /etc/ferry/ferry.yaml, /var/lib/ferry.
# Runs as user 10001, serves on port 8080, keeps its store in the volume /var/lib/ferry; HEALTHCHECK is
# 'ferry health' (in the docker format; OCI images have no healthcheck field, so compose and Kubernetes set theirs).
# Writes OUT/ferry-VERSION-image.oci.tar (an OCI image layout, archived: podman load, ctr images import,
# skopeo copy oci-archive:...) and OUT/ferry-VERSION-image.docker.tar (docker load), each with a .sha256.
#
# With --haproxy, the HAProxy image of a ferry cluster instead (docs/cluster.md#deploying-it), the same way:
#   layer 1: mmdebstrap's minimal Debian with the libraries Debian's haproxy package depends on (no shell, no
#            package manager), user haproxy (10002);
#   layer 2: /usr/sbin/haproxy from that package and /etc/haproxy/haproxy.cfg (deploy/cluster/haproxy.cfg; mount
#            your own over it).
# Runs 'haproxy -W -db -f /etc/haproxy/haproxy.cfg' as user 10002 (arguments after the image name replace the
# options: 'ferry-haproxy:VERSION -c -f /etc/haproxy/haproxy.cfg' checks the file); SIGUSR1 stops it softly.
# Writes OUT/ferry-haproxy-VERSION-image.{oci,docker}.tar and their .sha256; VERSION is ferry's (from pom.xml, or
# the --installer tarball's name), the HAProxy version is in the image's labels.
#
#   sudo deploy/build-image.sh [--installer TARBALL] [--out DIR] [--no-build]     (default OUT: target/deploy)
#   sudo deploy/build-image.sh --haproxy [--out DIR]
#
# Needs root, and apt-get install mmdebstrap buildah skopeo. Without --installer it builds the installer first
# (deploy/build-installer.sh; --no-build is passed on). Debian packages come from DEBIAN_MIRROR (default
# http://deb.debian.org/debian, with -updates and -security beside it; a site's own mirror works) for
# DEBIAN_SUITE (bookworm). buildah keeps its work in a temporary directory: nothing is left in the machine's
# container storage. Prints the two archives' paths on standard output, progress on standard error.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
out="$root/target/deploy"
installer=""
build_flags=()
haproxy=no
while [ $# -gt 0 ]; do
	case "$1" in
	--installer) installer=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-build) build_flags+=(--no-build); shift ;;
	--haproxy) haproxy=yes; shift ;;
	-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
	*) echo "build-image.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
say() { echo "build-image.sh: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "run it as root (mmdebstrap and buildah build the root filesystem as root)"; exit 1; }
for tool in mmdebstrap buildah; do
	command -v "$tool" >/dev/null || { say "$tool is missing: apt-get install mmdebstrap buildah skopeo"; exit 1; }
done

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
suite=${DEBIAN_SUITE:-bookworm}
uid=10001
haproxy_uid=10002

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-image.XXXXXX")
# The docker format for the working containers and commits: the OCI format has no HEALTHCHECK.
export BUILDAH_FORMAT=docker
b() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
cleanup() {
	b rm --all >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# extract DIR PACKAGE,... [OPTION...]: those packages and their dependencies, extracted into DIR by mmdebstrap.
# --variant=extract: the packages' files and nothing else (no dpkg, apt or maintainer scripts in the image; nor
# does mmdebstrap run customize hooks for it, so the callers finish the base).
extract() {
	local dir=$1 include=$2
	shift 2
	say "mmdebstrap $suite from $mirror: $include"
	mmdebstrap --quiet --mode=root --variant=extract --include="$include" "$@" "$suite" "$dir" \
		"deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main"
}

# debian DIR PACKAGE,...: a minimal Debian of those packages, without documentation or package caches.
debian() {
	extract "$1" "$2"
	rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/info "$1"/usr/share/locale \
		"$1"/usr/share/lintian "$1"/var/cache/* "$1"/var/lib/apt "$1"/var/log/*
	chmod 1777 "$1/tmp"
}

# layer DIR TAR [PATH...]: DIR (or those paths in it) as a layer, every timestamp SOURCE_DATE_EPOCH.
layer() {
	local dir=$1 tar=$2
	shift 2
	[ $# -gt 0 ] || set -- .
	tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$dir" -cf "$tar" "$@"
}

# archive IMAGE PREFIX: OUT/PREFIX-image.oci.tar and .docker.tar of IMAGE, with their .sha256; prints both paths.
archive() {
	local image=$1 prefix=$2
	mkdir -p "$out"
	local oci="$out/$prefix-image.oci.tar" docker="$out/$prefix-image.docker.tar"
	rm -f "$oci" "$docker"
	b push --quiet "$image" "oci-archive:$oci:$image"
	b push --quiet "$image" "docker-archive:$docker:$image"
	for f in "$oci" "$docker"; do
		(cd "$out" && sha256sum "$(basename "$f")" >"$(basename "$f").sha256")
	done
	say "$oci ($(du -m "$oci" | cut -f1) MB), $docker ($(du -m "$docker" | cut -f1) MB), in $(($(date +%s) - start)) s"
	echo "$oci"
	echo "$docker"
}

if [ "$haproxy" = yes ]; then
	if [ -n "$installer" ]; then
		version=$(basename "$installer" .tar.gz)
		version=${version#ferry-}
		version=${version%-linux-x86_64}
	else
		# the project's own version: the first <version> in the top pom.xml (it has no parent)
		version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n1)
	fi
	[ -n "$version" ] || { say "cannot tell ferry's version"; exit 1; }
	image="ferry-haproxy:$version"
	export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || stat -c %Y "$root/pom.xml")}

	# Debian's haproxy package, extracted with everything it depends on, only to take its program and to learn
	# its libraries: the rest of its dependencies (adduser, lsb-base) serve its maintainer and init scripts.
	pkg="$work/haproxy-package"
	extract "$pkg" haproxy --skip=cleanup/apt/cache
	deb=$(ls "$work"/haproxy-package/var/cache/apt/archives/haproxy_*.deb 2>/dev/null || true)
	[ -f "$deb" ] || { say "mmdebstrap kept no haproxy package"; exit 1; }
	haproxy_version=$(dpkg-deb -f "$deb" Version)
	libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (|].*//' | grep '^lib' | paste -sd, -)
	[ -n "$libs" ] || { say "haproxy $haproxy_version names no libraries"; exit 1; }

	base="$work/base"
	debian "$base" "base-files,$libs"
	printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nhaproxy:x:%s:%s:haproxy:/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
		"$haproxy_uid" "$haproxy_uid" >"$base/etc/passwd"
	printf 'root:x:0:\nhaproxy:x:%s:\nnogroup:x:65534:\n' "$haproxy_uid" >"$base/etc/group"
	layer "$base" "$work/base.tar"

	top="$work/haproxy"
	mkdir -p "$top/usr/sbin" "$top/etc/haproxy"
	dpkg-deb -x "$deb" "$work/haproxy-deb"
	cp "$work/haproxy-deb/usr/sbin/haproxy" "$top/usr/sbin/haproxy"
	cp "$root/deploy/cluster/haproxy.cfg" "$top/etc/haproxy/haproxy.cfg"
	chmod 0755 "$top/usr/sbin/haproxy"
	chmod 0644 "$top/etc/haproxy/haproxy.cfg"
	chown -R 0:0 "$top"
	# Every library it loads is in the base: the dynamic loader of the base lists what it would load.
	cp "$top/usr/sbin/haproxy" "$base/tmp/haproxy"
	missing=$(chroot "$base" /lib64/ld-linux-x86-64.so.2 --list /tmp/haproxy 2>&1 | grep 'not found' || true)
	rm "$base/tmp/haproxy"
	[ -z "$missing" ] || { say "haproxy lacks libraries in the base: $missing"; exit 1; }
	layer "$top" "$work/haproxy.tar" usr etc

	say "image: buildah ($image, HAProxy $haproxy_version)"
	c=$(b from --pull=never scratch)
	b add "$c" "$work/base.tar" / >/dev/null
	b add "$c" "$work/haproxy.tar" / >/dev/null
	b config \
		--user "$haproxy_uid:$haproxy_uid" --port 8080/tcp --workingdir / \
		--env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		--entrypoint '["/usr/sbin/haproxy"]' --cmd '["-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]' \
		--stop-signal SIGUSR1 \
		--label org.opencontainers.image.title=ferry-haproxy \
		--label org.opencontainers.image.description="HAProxy $haproxy_version (Debian) in front of a ferry cluster" \
		--label org.opencontainers.image.version="$version" \
		--label dev.ferry.haproxy.version="$haproxy_version" \
		--label org.opencontainers.image.base.name="debian:$suite (mmdebstrap)" \
		"$c"
	b commit --quiet --format docker --timestamp "$SOURCE_DATE_EPOCH" --rm "$c" "$image" >/dev/null
	archive "$image" "ferry-haproxy-$version"
	exit 0
fi

if [ -z "$installer" ]; then
	installer=$("$root/deploy/build-installer.sh" --out "$out" "${build_flags[@]}")
fi
installer=$(readlink -f "$installer")
name=$(basename "$installer" .tar.gz)            # ferry-VERSION-linux-x86_64
version=${name#ferry-}
version=${version%-linux-x86_64}
image="ferry:$version"

# Every timestamp in the image is the installer's own commit time (when known): the same inputs make the same
# layers.
tar -xzf "$installer" -C "$work"
home="$work/$name"
commit=$(sed -n 's/.*(commit \([^)]*\)).*/\1/p' "$home/VERSION")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$home/VERSION")}
# Not the installer's start-up archive (lib/ferry-serve.aot, 42 MB): it would take the image past the aim of 150 MB
# (docs/install.md). The image's ferry starts without it, as before session 11.
rm -f "$home"/lib/ferry-serve.aot "$home"/lib/ferry-serve.jsa

# bash runs bin/ferry; libstdc++6 and libgcc-s1 are RocksDB's; the Java runtime needs only libc.
base="$work/base"
debian "$base" base-files,libc6,libgcc-s1,libstdc++6,bash
printf 'root:x:0:0:root:/root:/bin/bash\nferry:x:%s:%s:ferry:/var/lib/ferry:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
	"$uid" "$uid" >"$base/etc/passwd"
printf 'root:x:0:\nferry:x:%s:\nnogroup:x:65534:\n' "$uid" >"$base/etc/group"
# bash as /bin/sh too: shell-form healthchecks (compose turns a string test into one) and 'podman exec CTR sh'.
ln -sfn bash "$base/bin/sh"
layer "$base" "$work/base.tar"

# ferry's layer: root-owned program and settings, the data directory owned by the user it runs as.
top="$work/layer"
mkdir -p "$top/opt/ferry" "$top/etc/ferry" "$top/var/lib/ferry"
cp -a "$home/bin" "$home/lib" "$home/runtime" "$home/VERSION" "$home/README.md" "$top/opt/ferry/"
cp "$home/etc/ferry.yaml" "$top/etc/ferry/ferry.yaml"
chmod -R u+rwX,go+rX,go-w "$top/opt" "$top/etc"
chown -R 0:0 "$top/opt" "$top/etc"
chown "$uid:$uid" "$top/var/lib/ferry"
chmod 0700 "$top/var/lib/ferry"
layer "$top" "$work/ferry.tar" opt etc var

say "image: buildah ($image)"
c=$(b from --pull=never scratch)
b add "$c" "$work/base.tar" / >/dev/null
b commit --quiet --format docker --timestamp "$SOURCE_DATE_EPOCH" --rm "$c" ferry-base >/dev/null
c=$(b from --pull=never ferry-base)
b add "$c" "$work/ferry.tar" / >/dev/null
b config \
	--user "$uid:$uid" --port 8080/tcp --volume /var/lib/ferry --workingdir /var/lib/ferry \
	--env PATH=/opt/ferry/bin:/usr/bin:/bin \
	--entrypoint '["/opt/ferry/bin/ferry"]' --cmd '["serve", "--config", "/etc/ferry/ferry.yaml"]' \
	--stop-signal SIGTERM \
	--healthcheck 'CMD /opt/ferry/bin/ferry health' --healthcheck-interval 30s --healthcheck-timeout 10s \
	--healthcheck-start-period 5m --healthcheck-retries 3 \
	--label org.opencontainers.image.title=ferry \
	--label org.opencontainers.image.description="Go module proxy and OCI registry mirror" \
	--label org.opencontainers.image.version="$version" \
	--label org.opencontainers.image.revision="$commit" \
	--label org.opencontainers.image.base.name="debian:$suite (mmdebstrap)" \
	"$c"
b commit --quiet --format docker --timestamp "$SOURCE_DATE_EPOCH" --rm "$c" "$image" >/dev/null
archive "$image" "ferry-$version"

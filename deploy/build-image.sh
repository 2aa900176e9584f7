#!/usr/bin/env bash
# Builds ferry's container image without pulling anything from a registry (docs/install.md#container-image):
#   layer 1: a minimal Debian made from Debian packages by mmdebstrap (libc, libstdc++, bash, also as /bin/sh; no
#            package manager, no other tools), user ferry (10001) in /etc/passwd, /tmp;
#   layer 2: the offline installer's Java runtime and ferry in /opt/ferry, /etc/ferry/ferry.yaml, /var/lib/ferry.
# Runs as user 10001, serves on port 8080, keeps its store in the volume /var/lib/ferry; HEALTHCHECK is
# 'ferry health' (in the docker format; OCI images have no healthcheck field, so compose and Kubernetes set theirs).
# Writes OUT/ferry-VERSION-image.oci.tar (an OCI image layout, archived: podman load, ctr images import,
# skopeo copy oci-archive:...) and OUT/ferry-VERSION-image.docker.tar (docker load), each with a .sha256.
#
#   sudo deploy/build-image.sh [--installer TARBALL] [--out DIR] [--no-build]     (default OUT: target/deploy)
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
while [ $# -gt 0 ]; do
	case "$1" in
	--installer) installer=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-build) build_flags+=(--no-build); shift ;;
	-h | --help) sed -n '2,22p' "$0"; exit 0 ;;
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

start=$(date +%s)
if [ -z "$installer" ]; then
	installer=$("$root/deploy/build-installer.sh" --out "$out" "${build_flags[@]}")
fi
installer=$(readlink -f "$installer")
name=$(basename "$installer" .tar.gz)            # ferry-VERSION-linux-x86_64
version=${name#ferry-}
version=${version%-linux-x86_64}
image="ferry:$version"

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-image.XXXXXX")
# The docker format for the working containers and commits: the OCI format has no HEALTHCHECK.
export BUILDAH_FORMAT=docker
b() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
cleanup() {
	b rm --all >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# Every timestamp in the image is the installer's own commit time (when known): the same inputs make the same
# layers.
tar -xzf "$installer" -C "$work"
home="$work/$name"
commit=$(sed -n 's/.*(commit \([^)]*\)).*/\1/p' "$home/VERSION")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$home/VERSION")}

say "base: mmdebstrap $suite from $mirror"
# --variant=extract: the packages' files and nothing else (no dpkg, apt or maintainer scripts in the image; nor
# does mmdebstrap run customize hooks for it, so the base is finished below). bash runs bin/ferry;
# libstdc++6 and libgcc-s1 are RocksDB's; the Java runtime needs only libc.
base="$work/base"
mmdebstrap --quiet --mode=root --variant=extract --include=base-files,libc6,libgcc-s1,libstdc++6,bash \
	"$suite" "$base" \
	"deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main"
rm -rf "$base"/usr/share/doc "$base"/usr/share/man "$base"/usr/share/info "$base"/usr/share/locale \
	"$base"/usr/share/lintian "$base"/var/cache/* "$base"/var/lib/apt "$base"/var/log/*
printf 'root:x:0:0:root:/root:/bin/bash\nferry:x:%s:%s:ferry:/var/lib/ferry:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
	"$uid" "$uid" >"$base/etc/passwd"
printf 'root:x:0:\nferry:x:%s:\nnogroup:x:65534:\n' "$uid" >"$base/etc/group"
# bash as /bin/sh too: shell-form healthchecks (compose turns a string test into one) and 'podman exec CTR sh'.
ln -sfn bash "$base/bin/sh"
chmod 1777 "$base/tmp"
tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$base" -cf "$work/base.tar" .

# ferry's layer: root-owned program and settings, the data directory owned by the user it runs as.
layer="$work/layer"
mkdir -p "$layer/opt/ferry" "$layer/etc/ferry" "$layer/var/lib/ferry"
cp -a "$home/bin" "$home/lib" "$home/runtime" "$home/VERSION" "$home/README.md" "$layer/opt/ferry/"
cp "$home/etc/ferry.yaml" "$layer/etc/ferry/ferry.yaml"
chmod -R u+rwX,go+rX,go-w "$layer/opt" "$layer/etc"
chown -R 0:0 "$layer/opt" "$layer/etc"
chown "$uid:$uid" "$layer/var/lib/ferry"
chmod 0700 "$layer/var/lib/ferry"
tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$layer" -cf "$work/ferry.tar" opt etc var

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

mkdir -p "$out"
oci="$out/ferry-$version-image.oci.tar"
docker="$out/ferry-$version-image.docker.tar"
rm -f "$oci" "$docker"
b push --quiet "$image" "oci-archive:$oci:$image"
b push --quiet "$image" "docker-archive:$docker:$image"
for f in "$oci" "$docker"; do
	(cd "$out" && sha256sum "$(basename "$f")" >"$(basename "$f").sha256")
done
say "$oci ($(du -m "$oci" | cut -f1) MB), $docker ($(du -m "$docker" | cut -f1) MB), in $(($(date +%s) - start)) s"
echo "$oci"
echo "$docker"

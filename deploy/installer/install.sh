#!/usr/bin/env bash
# Installs ferry from this unpacked offline installer, on Debian, Ubuntu, RHEL and its relatives (x86_64, glibc):
#   - the system user and group "ferry";
#   - the program in PREFIX (default /opt/ferry), with its own Java runtime: no JDK is needed;
#   - /usr/local/bin/ferry, a link to PREFIX/bin/ferry;
#   - /etc/ferry/ferry.yaml (settings) and /etc/ferry/ferry.env (secrets), only when they do not exist yet;
#   - /var/lib/ferry, the data directory;
#   - the systemd unit /etc/systemd/system/ferry.service.
# Run again with a newer installer to upgrade in place: the program is replaced, settings and data are kept,
# a running service is restarted on the new version.
#
#   sudo ./install.sh [--prefix DIR] [--start]     install or upgrade; --start also enables and starts the service
#   sudo PREFIX/install.sh --uninstall [--purge]   remove the program, unit and link; --purge also removes
#                                                  /var/lib/ferry (all stored content), /etc/ferry and the user
#   ./install.sh --destdir DIR ...                 the same files under DIR, without users, owners or systemctl
#                                                  (for packaging, and to look before installing)
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
prefix=/opt/ferry
destdir=""
action=install
purge=no
start=no
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) prefix=$2; shift 2 ;;
	--destdir) destdir=$2; shift 2 ;;
	--start) start=yes; shift ;;
	--uninstall) action=uninstall; shift ;;
	--purge) purge=yes; shift ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$prefix" in
/?*) prefix=${prefix%/} ;;
*) echo "install.sh: --prefix must be an absolute directory other than /, not '$prefix'" >&2; exit 2 ;;
esac
if [ "$purge" = yes ] && [ "$action" != uninstall ]; then
	echo "install.sh: --purge goes with --uninstall" >&2
	exit 2
fi
if [ -n "$destdir" ]; then
	destdir=$(mkdir -p "$destdir" && cd "$destdir" && pwd)
elif [ "$(id -u)" -ne 0 ]; then
	echo "install.sh: run it as root (sudo $0 $*), or with --destdir DIR to only lay the files out" >&2
	exit 1
fi

user=ferry
etc="$destdir/etc/ferry"
data="$destdir/var/lib/ferry"
unit="$destdir/etc/systemd/system/ferry.service"
link="$destdir/usr/local/bin/ferry"
home="$destdir$prefix"

say() { echo "install.sh: $*"; }
systemd_running() { [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
owned() { [ -z "$destdir" ]; } # owners and modes beyond the defaults only on a real install

# What a ferry installation looks like: refuse to replace or delete anything else.
is_ferry() { [ -f "$1/VERSION" ] && [ -x "$1/bin/ferry" ] && [ -d "$1/runtime" ]; }

uninstall() {
	if systemd_running && systemctl list-unit-files ferry.service >/dev/null 2>&1; then
		systemctl disable --now ferry.service 2>/dev/null || true
	fi
	rm -f "$unit"
	systemd_running && systemctl daemon-reload
	if [ -L "$link" ] && [ "$(readlink "$link")" = "$prefix/bin/ferry" ]; then
		rm -f "$link"
	fi
	if [ -e "$home" ]; then
		is_ferry "$home" || { say "$home does not look like a ferry installation; left alone"; exit 1; }
		rm -rf "$home"
	fi
	say "removed $prefix, the unit and $link"
	if [ "$purge" = yes ]; then
		rm -rf "$data" "$etc"
		if [ -z "$destdir" ] && getent passwd "$user" >/dev/null; then
			userdel "$user" 2>/dev/null || say "could not remove the user $user"
			getent group "$user" >/dev/null && groupdel "$user" 2>/dev/null || true
		fi
		say "purged /var/lib/ferry (the store), /etc/ferry and the user $user"
	else
		say "kept /var/lib/ferry (the store), /etc/ferry and the user $user; --uninstall --purge removes them"
	fi
}

install_files() {
	is_ferry "$src" || { say "$src is not an unpacked ferry installer"; exit 1; }
	[ "$(uname -m)" = x86_64 ] || { say "this installer is for x86_64 machines, this one is $(uname -m)"; exit 1; }
	# The bundled runtime needs glibc; on a machine where it cannot run, stop before changing anything.
	if ! "$src/bin/ferry" --version >/dev/null 2>&1; then
		say "the bundled Java runtime does not run here (x86_64 Linux with glibc 2.17 or newer is needed):"
		"$src/bin/ferry" --version || true
		exit 1
	fi
	# RocksDB's library needs libstdc++ from GCC 6 or newer (GLIBCXX_3.4.22: RHEL 8, Debian 10, Ubuntu 18.04 on).
	if command -v ldd >/dev/null && ldd "$src/lib/librocksdbjni-linux64.so" 2>&1 | grep -q 'not found'; then
		say "RocksDB's library cannot load here (install libstdc++ from GCC 6 or newer):"
		ldd "$src/lib/librocksdbjni-linux64.so" 2>&1 | grep 'not found' >&2
		exit 1
	fi
	new_version=$(head -n1 "$src/VERSION")

	if [ -z "$destdir" ] && ! getent passwd "$user" >/dev/null; then
		shell=$(command -v nologin || echo /usr/sbin/nologin)
		useradd --system --user-group --home-dir /var/lib/ferry --no-create-home --shell "$shell" \
			--comment "ferry Go module proxy and OCI registry mirror" "$user"
		say "created the system user $user"
	fi

	# The new program goes beside the old one and then takes its place: a running ferry keeps the files it has
	# open (its runtime's modules are mapped), and an interrupted install leaves the old one whole.
	if [ -e "$home" ] && ! is_ferry "$home"; then
		say "$home exists and is not a ferry installation; choose another --prefix"
		exit 1
	fi
	old_version=""
	[ -e "$home" ] && old_version=$(head -n1 "$home/VERSION")
	mkdir -p "$(dirname "$home")"
	rm -rf "$home.new" "$home.old"
	mkdir "$home.new"
	cp -a "$src/bin" "$src/lib" "$src/runtime" "$src/etc" "$src/systemd" "$src/docs" "$src/deploy" \
		"$src/README.md" "$src/VERSION" "$src/install.sh" "$home.new/"
	chmod -R u+rwX,go+rX,go-w "$home.new"
	[ -e "$home" ] && mv "$home" "$home.old"
	mv "$home.new" "$home"
	rm -rf "$home.old"

	mkdir -p "$(dirname "$link")"
	ln -sfn "$prefix/bin/ferry" "$link"

	# Settings: the site's own are never overwritten; a changed sample lands beside them to compare.
	mkdir -p "$etc"
	if [ ! -e "$etc/ferry.yaml" ]; then
		install -m 0640 "$src/etc/ferry.yaml" "$etc/ferry.yaml"
	elif ! cmp -s "$src/etc/ferry.yaml" "$etc/ferry.yaml"; then
		install -m 0640 "$src/etc/ferry.yaml" "$etc/ferry.yaml.dist"
		say "kept $etc/ferry.yaml; this version's sample is $etc/ferry.yaml.dist"
	fi
	[ -e "$etc/ferry.env" ] || install -m 0600 "$src/etc/ferry.env" "$etc/ferry.env"
	mkdir -p "$data"
	if owned; then
		chown root:"$user" "$etc" "$etc/ferry.yaml"
		chmod 0750 "$etc"
		chown root:root "$etc/ferry.env"
		chown "$user:$user" "$data"
		chmod 0700 "$data"
	fi

	mkdir -p "$(dirname "$unit")"
	sed -e "s|/opt/ferry|$prefix|g" "$src/systemd/ferry.service" >"$unit.part"
	chmod 0644 "$unit.part"
	mv "$unit.part" "$unit"

	if [ -n "$old_version" ]; then
		say "upgraded $prefix from $old_version to $new_version (settings in /etc/ferry and data in /var/lib/ferry kept)"
	else
		say "installed $new_version in $prefix"
	fi
	if systemd_running; then
		systemctl daemon-reload
		if [ "$start" = yes ]; then
			systemctl enable --now ferry.service
			say "ferry.service enabled and started; 'systemctl status ferry', 'journalctl -u ferry'"
		else
			# An upgrade takes effect now for a running service; a new install waits to be configured.
			systemctl try-restart ferry.service
			systemctl is-active --quiet ferry.service && say "ferry.service restarted on $new_version"
			say "next: edit /etc/ferry/ferry.yaml, then 'systemctl enable --now ferry'"
		fi
	elif [ -z "$destdir" ]; then
		say "systemd is not running here: start it with 'runuser -u $user -- $prefix/bin/ferry serve --config /etc/ferry/ferry.yaml'"
	fi
}

case "$action" in
install) install_files ;;
uninstall) uninstall ;;
esac

#!/usr/bin/env bash
# The web console's slowest answers with a large store (bench/console/README.md). By hand, never in CI.
# Usage: bench/console/measure.sh [MODULES VERSIONS REPOS TAGS AUDIT [ROUNDS]]
# Builds nothing: run `./mvnw -B -q -pl server,bench -am package -DskipTests` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
modules=${1:-10000} versions=${2:-10} repos=${3:-51} tags=${4:-10000} audit=${5:-100000} rounds=${6:-7}
. scripts/find-jdk.sh
JAVA_HOME=$(find_jdk)
java="$JAVA_HOME/bin/java"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$java" --enable-native-access=ALL-UNNAMED -cp "bench/target/classes:bench/target/lib/*" \
	dev.ferry.bench.console.ConsoleStore "$work/data" "$modules" "$versions" "$repos" "$tags" "$audit"
token=bench-console-token
FERRY_ADMIN_TOKEN=$token "$java" --enable-native-access=ALL-UNNAMED -Xmx512m \
	-Djava.library.path=server/target/native -jar server/target/ferry-server.jar serve \
	--listen 127.0.0.1:0 --data "$work/data" --go-upstream off --registry docker.io=off \
	--default-registry docker.io >"$work/ferry.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	base=$(grep -o 'ferry ready on http://[0-9.:]*' "$work/ferry.log" | head -n1 | sed 's/ferry ready on //') || true
	[ -n "$base" ] && break
	sleep 0.2
done
[ -n "$base" ] || { cat "$work/ferry.log"; exit 1; }
api="$base/admin/api"
get() { curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $token" "$api$1"; }
last_module=$(curl -sS -H "Authorization: Bearer $token" "$api/go/modules?q=github.com/Gen/m09&limit=500" |
	grep -o '"path":"[^"]*"' | tail -n1 | cut -d'"' -f4)
deep_tag=t004900
calls=(
	"overview|/storage" "overview|/metrics/recent" "overview|/upstreams" "overview|/prewarm" "overview|/exports"
	"overview|/imports" "overview|/refusals"
	"modules|/go/modules?limit=50" "modules|/go/modules?after=example.com/gen/m09990&limit=50"
	"modules|/go/modules?q=github.com/Gen/m05&limit=50" "modules|/go/modules?q=*/m0999*&limit=50"
	"modules|/go/versions?module=$last_module&limit=50"
	"images|/oci/repositories?limit=50" "images|/oci/tags?registry=docker.io&repository=gen/repo0000&limit=100"
	"images|/oci/tags?registry=docker.io&repository=gen/repo0000&after=$deep_tag&limit=100"
	"prewarm|/prewarm" "prewarm|/mirror-sets" "prewarm|/pin-sets?limit=50"
	"prewarm|/pin-sets?prefix=prewarm:github.com/Gen/m09&limit=50" "(cli)|/pins"
	"transfer|/exports" "transfer|/bundles" "transfer|/signing-key"
	"audit|/audit?limit=50" "audit|/audit?after=$(($(stat -c %s "$work/data/audit.log") / 2))&limit=50" "audit|/audit?who=nobody-matches&limit=50"
	"audit|/audit?action=exports&result=refused&limit=50"
)
manifest=$(curl -sS -H "Authorization: Bearer $token" "$api/oci/tags?registry=docker.io&repository=gen/repo0000&limit=1" |
	grep -o '"digest":"[^"]*"' | head -n1 | cut -d'"' -f4)
calls+=("images|/oci/manifest?registry=docker.io&repository=gen/repo0000&digest=$manifest")
echo "store: $modules modules x $versions versions, $tags tags in $repos repositories, $audit audit lines; $rounds rounds"
printf '%-9s %-78s %6s %10s\n' page call status median_ms
for c in "${calls[@]}"; do
	page=${c%%|*} path=${c#*|}
	get "$path" >/dev/null # warm: the first read of a cold store is the page cache's, not ferry's
	times=()
	status=""
	for _ in $(seq "$rounds"); do
		read -r status t < <(get "$path")
		times+=("$t")
	done
	median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")
	printf '%-9s %-78s %6s %10.1f\n' "$page" "$path" "$status" "$(echo "$median * 1000" | bc -l)"
done
echo "load: $(uptime)"

#!/usr/bin/env bash
# Registry failover benchmark, by hand, never in CI.
# `skopeo copy` of every fixture image (../shared/fixtures/oci: tiny, the duo multi-arch index with --all, medium
# with its 8 MiB layer, the twelve nested tags, the two Docker schema2 copies) through ferry mirroring one registry,
# docker.io, whose endpoints are a healthy docker-registry (GOOD) alone or behind a broken reverse proxy of it:
#   SLOW      passes status and headers at once, then every body at 64 bytes/s
#   TAMPER    every blob body (GET /v2/.../blobs/sha256:...) has one byte altered; manifests are correct
# Scenarios alternate within each round (fresh ferry data and fresh copy destinations every run); every copy is
# checked (skopeo's exit status, the manifest's digest against GOOD's, every blob file against its digest), so a
# run that failed is reported as such and not timed as if it had worked. Prints per run the time, the load, the
# requests the broken endpoint got and, for TAMPER, its blob requests after ferry logged its quarantine; then per
# scenario the median time, its ratio to GOOD's median and the median of those request counts.
#   usage: bench/failover/oci.sh   (needs the packaged jar: ./mvnw -B -q -DskipTests package; docker-registry,
#          skopeo, python3, curl)
# Env: ROUNDS (default 3), SCENARIOS (default "GOOD SLOW TAMPER"), EXTRA (ferry flags), COPY_TIMEOUT (seconds one
# skopeo copy may take, default 600), KEEP=1 keeps the work dir (ferry logs per run, proxy logs) and prints its path.
set -euo pipefail
export LC_ALL=C   # printf %.2f and sort -n on "12.34"
root=$(cd "$(dirname "$0")/../.." && pwd)
fixture=$(cd "$root/../shared/fixtures/oci" && pwd)
jar="$root/server/target/ferry-server.jar"
[ -f "$jar" ] || { echo "no $jar: run ./mvnw -B -q -DskipTests package first" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
for t in docker-registry skopeo python3 curl bc; do command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }; done
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-GOOD SLOW TAMPER}
COPY_TIMEOUT=${COPY_TIMEOUT:-600}
declare -A PORT=([GOOD]=18691 [SLOW]=18692 [TAMPER]=18693)
FERRY=18694
BROKEN="SLOW TAMPER"
for p in "${PORT[@]}" $FERRY; do
  ! curl -s -o /dev/null "http://127.0.0.1:$p/" || { echo "port $p is in use" >&2; exit 1; }
done
work=$(mktemp -d /tmp/ferry-failover-oci.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}" $(cat "$work/ferry.pid" 2>/dev/null); do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

url() { echo "http://127.0.0.1:${PORT[$1]}"; }
wait_http() { for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

# GOOD: Debian's docker-registry on a filesystem store, as bench/oci/bench.sh runs it. Its access log (GOOD.log) only
# with KEEP=1: the proxies log what the broken endpoints are asked, GOOD's requests only matter when looking into a
# run (e.g. whether ferry fetched a rejected blob again from GOOD).
cat >"$work/good.yml" <<YML
version: 0.1
log: { level: warn, accesslog: { disabled: $([ -n "${KEEP:-}" ] && echo false || echo true) } }
storage: { filesystem: { rootdirectory: $work/good-store }, cache: { blobdescriptor: inmemory }, delete: { enabled: true } }
http: { addr: 127.0.0.1:${PORT[GOOD]}, secret: ferry-failover-oci }
YML
docker-registry serve "$work/good.yml" >"$work/GOOD.log" 2>&1 & pids+=($!)
wait_http "$(url GOOD)/v2/"
"$fixture/push.sh" "127.0.0.1:${PORT[GOOD]}" | sed 's/^/  /'

py="$root/bench/failover/upstreams.py"
for m in $BROKEN; do
  python3 "$py" "proxy-${m,,}" "${PORT[$m]}" "$(url GOOD)" "$work/$m.log" & pids+=($!)
done
for m in $BROKEN; do wait_http "$(url "$m")/v2/"; : >"$work/$m.log"; done   # the readiness probes are no request of a run

# The images copied in every run, and the manifest digest GOOD serves for each: a copy is only right when its
# manifest.json hashes to it (skopeo copies to dir: without converting anything).
images=()
while IFS=$'\t' read -r ref repo tag; do
  [[ $ref == \#* ]] || images+=("$repo:$tag")
done <"$fixture/images.tsv"
images+=(library/tiny-docker:1.0 library/duo-docker:2.0)
accept="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"
declare -A want
for i in "${images[@]}"; do
  want[$i]=$(curl -fsS -I -H "Accept: $accept" "$(url GOOD)/v2/${i%:*}/manifests/${i##*:}" \
    | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" {print $2}')
  [ -n "${want[$i]}" ] || { echo "GOOD has no digest for $i" >&2; exit 1; }
done
echo "  ${#images[@]} images per run, $(du -sh "$work/good-store" | cut -f1) in GOOD's store"

# check_copy DIR DIGEST: the copy's manifest is DIGEST; every manifest of an index (<digest>.manifest.json) and
# every config and layer file is there and hashes to its name. Prints what is wrong, exits 1 then.
cat >"$work/check.py" <<'PY'
import hashlib, json, os, re, sys
d, want = sys.argv[1], sys.argv[2]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
bad = []
if "sha256:" + sha(os.path.join(d, "manifest.json")) != want:
    bad.append("manifest.json is not " + want)
manifests = [json.load(open(os.path.join(d, "manifest.json")))]
for n in sorted(os.listdir(d)):
    m = re.fullmatch(r"([0-9a-f]{64})\.manifest\.json", n)
    if m:
        if sha(os.path.join(d, n)) != m.group(1):
            bad.append(n + " does not hash to its name")
        manifests.append(json.load(open(os.path.join(d, n))))
    elif re.fullmatch(r"[0-9a-f]{64}", n) and sha(os.path.join(d, n)) != n:
        bad.append("blob " + n + " does not hash to its name")
blobs = 0
for m in manifests:
    for desc in ([m["config"]] if "config" in m else []) + m.get("layers", []):
        hexd = desc["digest"].split(":", 1)[1]
        p = os.path.join(d, hexd)
        if not os.path.isfile(p):
            bad.append("missing blob " + desc["digest"])
        elif os.path.getsize(p) != desc["size"]:
            bad.append("blob %s has %d bytes, not %d" % (hexd, os.path.getsize(p), desc["size"]))
        blobs += 1
    if "manifests" in m and len(manifests) < 1 + len(m["manifests"]):
        bad.append("index lists %d manifests, %d copied" % (len(m["manifests"]), len(manifests) - 1))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PY

list_for() {
  case $1 in
    GOOD) url GOOD ;;
    *) echo "$(url "$1"),$(url GOOD)" ;;
  esac
}

load() { cut -d' ' -f1 /proc/loadavg; }

# one_run SCENARIO ROUND : prints "seconds failed-copies slowest-copy" and leaves ferry's log and each copy's
# time in $work/SCENARIO-ROUND. The copies are checked after the clock stopped: checking is not what is measured.
one_run() {
  local dir="$work/$1-$2" i n=0 failed=0 t0 t1 c0 c1
  rm -rf "$dir"; mkdir -p "$dir/copies"; : >"$dir/ferry.log"; : >"$dir/copies.log"
  # shellcheck disable=SC2086
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --listen 127.0.0.1:$FERRY --data "$dir/data" \
      --go-upstream off --sumdb off --no-access-log --registry "docker.io=$(list_for "$1")" \
      --default-registry docker.io ${EXTRA:-} >"$dir/ferry.log" 2>&1 & local ferry=$!
  echo "$ferry" >"$work/ferry.pid"   # one_run is a subshell: this is how an interrupted run's ferry gets stopped
  for _ in $(seq 1 300); do grep -q "ferry ready" "$dir/ferry.log" && break; sleep 0.1; done
  grep -q "ferry ready" "$dir/ferry.log" || { echo "ferry did not start ($1):" >&2; tail -5 "$dir/ferry.log" >&2; }
  t0=$(date +%s.%N)
  for i in "${images[@]}"; do
    n=$((n + 1)); c0=$(date +%s.%N)
    # --all: the duo index with both platforms; the same single manifest for the others. No retries (skopeo's
    # default), so a failure through ferry is seen as one.
    if ! timeout "$COPY_TIMEOUT" skopeo copy -q --all --src-tls-verify=false \
        "docker://127.0.0.1:$FERRY/$i" "dir:$dir/copies/$n" >"$dir/copies/$n.log" 2>&1; then
      failed=$((failed + 1)); echo "skopeo copy $i failed ($1 round $2): $(tail -c 400 "$dir/copies/$n.log")" >&2
    fi
    c1=$(date +%s.%N)
    echo "$(echo "$c1 - $c0" | bc | xargs printf '%.2f') $i" >>"$dir/copies.log"
  done
  t1=$(date +%s.%N)
  kill "$ferry"; wait "$ferry" 2>/dev/null || true; rm -f "$work/ferry.pid"
  n=0
  for i in "${images[@]}"; do
    n=$((n + 1))
    [ -f "$dir/copies/$n/manifest.json" ] || continue   # counted above
    python3 "$work/check.py" "$dir/copies/$n" "${want[$i]}" >"$dir/copies/$n.check" \
      || { failed=$((failed + 1)); echo "copy of $i is wrong ($1 round $2): $(cat "$dir/copies/$n.check")" >&2; }
  done
  # ~20 MB a run; KEEP=1 keeps ferry's data (its store, for a look at what it kept) with the logs.
  [ -n "${KEEP:-}" ] || rm -rf "$dir/copies"/*/ "$dir/data"
  echo "$(echo "$t1 - $t0" | bc | xargs printf '%.2f') $failed $(sort -rn "$dir/copies.log" | head -1 | awk '{printf "%s_(%ss)", $2, $1}')"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
med() { tr ' ' '\n' <<<"${1:-}" | { grep . || true; } | median; }

# A blob request in a proxy log: "<time> /v2/<name>/blobs/sha256:<hex> <method> <status>".
declare -A times asked blobs blobsafter fails
for r in $(seq 1 "$ROUNDS"); do
  for s in $SCENARIOS; do
    declare -A before=()
    for m in $BROKEN; do before[$m]=$(wc -l <"$work/$m.log"); done
    read -r t failed slowest <<<"$(one_run "$s" "$r")"
    times[$s]="${times[$s]:-} $t"; fails[$s]="${fails[$s]:-} $failed"
    line="round $r $s: ${t}s (load $(load)), $failed failed copies, slowest $slowest"
    for m in $BROKEN; do
      n=$(( $(wc -l <"$work/$m.log") - before[$m] ))
      b=$(tail -n +"$((before[$m] + 1))" "$work/$m.log" | awk '$2 ~ /\/blobs\/sha256:/ {n++} END {print n+0}')
      if [ "$n" -gt 0 ] || [ "$s" = "$m" ]; then
        asked[$s]="${asked[$s]:-} $n"; blobs[$s]="${blobs[$s]:-} $b"; line="$line, $m asked $n ($b blob requests)"
      fi
    done
    if [ "$s" = TAMPER ]; then
      # ferry's log times are UTC with milliseconds; the proxy's are unix seconds with milliseconds.
      at=$(grep -m1 "upstream $(url TAMPER) quarantined" "$work/$s-$r/ferry.log" | awk '{print $1}' || true)
      if [ -n "$at" ]; then
        since=$(date -d "$at" +%s.%N)
        z=$(tail -n +"$((before[TAMPER] + 1))" "$work/TAMPER.log" | awk -v at="$since" '$1 > at && $2 ~ /\/blobs\/sha256:/ {n++} END {print n+0}')
      else
        z="n/a"
      fi
      blobsafter[$s]="${blobsafter[$s]:-} $z"; line="$line, TAMPER blob requests after its quarantine: $z"
      [ "$z" != n/a ] || line="$line (no quarantine logged)"
    fi
    echo "$line"
  done
done

good=$(med "${times[GOOD]:-}")
echo
echo "| scenario | median s | ratio to GOOD | requests at the broken endpoint per run (median; blob requests) | TAMPER blob requests after quarantine (per run) | failed copies (per run) |"
echo "|---|---|---|---|---|---|"
for s in $SCENARIOS; do
  m=$(med "${times[$s]}")
  ratio=$(awk -v a="$m" -v b="$good" 'BEGIN {if (b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b}')
  req="—"; [ -n "${asked[$s]:-}" ] && req="$(med "${asked[$s]}") ($(med "${blobs[$s]}") blob)"
  after="—"; [ -n "${blobsafter[$s]:-}" ] && after="${blobsafter[$s]# }"
  echo "| $s | $m | $ratio | $req | $after | ${fails[$s]# } |"
done
echo "(a run with failed copies is timed as it went, failures included: see the last column and the messages above)"
echo "load at the end: $(cat /proc/loadavg)"

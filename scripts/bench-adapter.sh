#!/usr/bin/env bash
# Measures the HTTPS adapter on this machine, loopback only, PostgreSQL 15 on 127.0.0.1:
#  1. requests/s esc-rotator-server sustains for refused requests (RS256 token with a trusted kid and a bad
#     signature: the full check up to the RSA verification), ab -k, bounded request count;
#  2. a good Form C request against a plain Form B rotation, both through one warm bootstrap under the local
#     Runtime API (the adapter's added cost, same transport), and good requests to esc-rotator-server over HTTPS.
#
#   scripts/bench-adapter.sh [--requests N] [--concurrency C] [--rotations N]
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG="bench-adapter" # used by lib/common.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC2034
. "$SCRIPT_DIR/lib/common.sh"

REQUESTS=20000
CONCURRENCY=16
ROTATIONS=20
while (($# > 0)); do
    case $1 in
        --requests) REQUESTS=$2; shift 2 ;;
        --concurrency) CONCURRENCY=$2; shift 2 ;;
        --rotations) ROTATIONS=$2; shift 2 ;;
        *) echo "bench-adapter: unknown argument $1" >&2; exit 2 ;;
    esac
done

RUN_DIR=$REPO_DIR/.run/bench-adapter
SERVERS_DIR=$RUN_DIR/servers
WORK=$RUN_DIR/work
rm -rf "$WORK"
mkdir -p "$WORK"
chmod 700 "$WORK"
command -v ab >/dev/null || apt-get install -y -qq apache2-utils >/dev/null

SERVER_PID=""
cleanup() {
    [[ -n $SERVER_PID ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    bash "$SCRIPT_DIR/servers.sh" stop --run-dir "$SERVERS_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

esc_log "publishing bootstrap and esc-rotator-server (Native AOT), building the local Runtime API host"
BOOTSTRAP=${ESC_TEST_BOOTSTRAP:-$(bash "$SCRIPT_DIR/build-bootstrap.sh" "$RUN_DIR/bin")}
SERVER=${ESC_TEST_SERVER:-$(bash "$SCRIPT_DIR/build-server.sh" "$RUN_DIR/bin")}
dotnet build "$REPO_DIR/rotators/local-runtime/EscRotators.LocalRuntime.csproj" -c Release -nologo -v quiet \
    -o "$RUN_DIR/local-runtime" >/dev/null
LOCAL_LAMBDA=$RUN_DIR/local-runtime/EscRotators.LocalRuntime

esc_log "starting PostgreSQL on 127.0.0.1"
bash "$SCRIPT_DIR/servers.sh" start --only postgres --run-dir "$SERVERS_DIR" >/dev/null
# shellcheck disable=SC1091
. "$SERVERS_DIR/servers.env"
MGR_PW=$(openssl rand -hex 16)
PGPASSWORD=$ESC_TEST_PG_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ESC_TEST_PG_PORT" -U "$ESC_TEST_PG_ADMIN_USER" -d esc_test \
    -v mgr="$MGR_PW" -v u1="$(openssl rand -hex 16)" -v u2="$(openssl rand -hex 16)" >/dev/null <<'SQL'
DROP ROLE IF EXISTS bench_user1; DROP ROLE IF EXISTS bench_user2; DROP ROLE IF EXISTS bench_manager;
CREATE ROLE bench_manager LOGIN CREATEROLE PASSWORD :'mgr';
CREATE ROLE bench_user1 LOGIN PASSWORD :'u1';
CREATE ROLE bench_user2 LOGIN PASSWORD :'u2';
GRANT bench_user1 TO bench_manager WITH ADMIN OPTION;
GRANT bench_user2 TO bench_manager WITH ADMIN OPTION;
SQL

# Signing key, its JWKS, the server certificate: all generated here, in a 0700 directory.
openssl genrsa -out "$WORK/signing.pem" 2048 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" -days 1 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
AUDIENCE=https://bench.adapter.test/
cat >"$WORK/mint.py" <<'PY'
import base64, json, subprocess, sys, time, uuid, hashlib, os
work, audience, mode = sys.argv[1], sys.argv[2], sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
if mode == "jwks":
    text = subprocess.run(["openssl", "rsa", "-in", f"{work}/signing.pem", "-noout", "-modulus"], capture_output=True, text=True, check=True).stdout
    n = bytes.fromhex(text.strip().split("=", 1)[1])
    print(json.dumps({"keys": [{"kty": "RSA", "kid": "bench", "use": "sig", "alg": "RS256", "n": b64(n), "e": b64((65537).to_bytes(3, "big"))}]}))
    sys.exit(0)
body = open(sys.argv[4], "rb").read()
now = int(time.time())
claims = {"iss": "https://api.pulumi.com/oidc", "sub": "pulumi:environments:org:bench:env:db", "aud": audience, "iat": now, "nbf": now,
          "exp": now + 600, "jti": uuid.uuid4().hex, "body_hash": "sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode()}
signing_input = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "bench"}).encode()) + "." + b64(json.dumps(claims).encode())
if mode == "bad":
    signature = os.urandom(256)
else:
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{work}/signing.pem"], input=signing_input.encode(), capture_output=True, check=True).stdout
print(signing_input + "." + b64(signature))
PY
python3 "$WORK/mint.py" "$WORK" "$AUDIENCE" jwks >"$WORK/jwks.json"

request_json() { # request_json STATE_FILE|null -> Form C body on stdout
    python3 - "$ESC_TEST_PG_PORT" "$MGR_PW" "$1" <<'PY'
import json, sys
port, pw, state = sys.argv[1], sys.argv[2], sys.argv[3]
r = {"type": "postgres", "database": {"host": "127.0.0.1", "port": int(port), "database": "esc_test",
     "managingUser": {"username": "bench_manager", "password": pw}}, "rotateUsers": {"username1": "bench_user1", "username2": "bench_user2"}}
s = "null" if state == "null" else open(state).read().strip()
sys.stdout.write('{"request":' + json.dumps(r, separators=(",", ":")) + ',"state":' + s + '}')
PY
}

export ESC_ROTATOR_AUDIENCE=$AUDIENCE ESC_ROTATOR_JWKS_FILE=$WORK/jwks.json
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SERVER" --listen "127.0.0.1:$PORT" --tls-cert "$WORK/tls-cert.pem" --tls-key "$WORK/tls-key.pem" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do grep -q '"listening"' "$WORK/server.log" && break; sleep 0.1; done

# 1. Refused requests: a well-formed body and a bad-signature token (trusted kid).
request_json null >"$WORK/body.json"
BAD=$(python3 "$WORK/mint.py" "$WORK" "$AUDIENCE" bad "$WORK/body.json")
esc_log "refused requests: ab -k -n $REQUESTS -c $CONCURRENCY (bad signature)"
ab -q -k -n "$REQUESTS" -c "$CONCURRENCY" -p "$WORK/body.json" -T application/json -H "Authorization: Bearer $BAD" \
    "https://127.0.0.1:$PORT/" >"$WORK/ab.txt" 2>&1
grep -E "^(Complete requests|Non-2xx responses|Failed requests|Requests per second|Time per request)" "$WORK/ab.txt"
grep '"message":"access"' "$WORK/server.log" | grep -c '"status":401' | sed 's/^/401 access lines: /'

# 2a. Good requests to the server over HTTPS (curl, one connection each: includes the TLS handshake).
esc_log "good Form C rotations to esc-rotator-server: $ROTATIONS in a row, state sent back verbatim"
echo null >"$WORK/state.json"; STATE=null
: >"$WORK/server-times.txt"
for _ in $(seq "$ROTATIONS"); do
    request_json "$STATE" >"$WORK/body.json"
    TOKEN=$(python3 "$WORK/mint.py" "$WORK" "$AUDIENCE" good "$WORK/body.json")
    curl -s --cacert "$WORK/tls-cert.pem" -o "$WORK/reply.json" -w '%{http_code} %{time_total}\n' -X POST \
        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @"$WORK/body.json" \
        "https://127.0.0.1:$PORT/" >>"$WORK/server-times.txt"
    cp "$WORK/reply.json" "$WORK/state.json"; STATE=$WORK/state.json
done

# 2b. The same rotations through one warm bootstrap: Form B events and Function URL events, interleaved.
esc_log "Form B vs Function URL (Form C) through one warm bootstrap: $ROTATIONS each"
EVENTS=()
for i in $(seq "$ROTATIONS"); do
    python3 - "$ESC_TEST_PG_PORT" "$MGR_PW" >"$WORK/b$i.json" <<'PY'
import json, sys
# state.current = bench_user1, so Form B rotates bench_user2 and the Form C events (no state) bench_user1: back-to-back
# events never claim the same role while the previous session's advisory lock is still being released.
print(json.dumps({"type": "postgres", "inputs": {"database": {"host": "127.0.0.1", "port": int(sys.argv[1]), "database": "esc_test",
    "managingUser": {"username": "bench_manager", "password": sys.argv[2]}}, "rotateUsers": {"username1": "bench_user1", "username2": "bench_user2"}},
    "state": {"current": {"username": "bench_user1", "password": "unused"}}}))
PY
    request_json null >"$WORK/c$i.body"
    TOKEN=$(python3 "$WORK/mint.py" "$WORK" "$AUDIENCE" good "$WORK/c$i.body")
    python3 - "$WORK/c$i.body" "$TOKEN" >"$WORK/c$i.json" <<'PY'
import json, sys
print(json.dumps({"version": "2.0", "rawPath": "/", "headers": {"content-type": "application/json", "authorization": "Bearer " + sys.argv[2]},
    "requestContext": {"http": {"method": "POST", "path": "/"}}, "body": open(sys.argv[1]).read(), "isBase64Encoded": False}))
PY
    EVENTS+=("$WORK/b$i.json" "$WORK/c$i.json")
done
"$LOCAL_LAMBDA" --bootstrap "$BOOTSTRAP" --timeout-ms 10000 --env "ESC_ROTATOR_AUDIENCE=$AUDIENCE" --env "ESC_ROTATOR_JWKS_FILE=$WORK/jwks.json" --report "$WORK/report.json" "${EVENTS[@]}" >"$WORK/lambda.out" 2>"$WORK/lambda.log" \
    || true # the host exits 1 for replies without "code" (Function URL replies); the summary below checks each reply

python3 - "$WORK" <<'PY'
import json, statistics, sys
work = sys.argv[1]
rows = [l.split() for l in open(f"{work}/server-times.txt")]
ok = [float(t) * 1000 for c, t in rows if c == "200"]
print(f"esc-rotator-server good requests: {len(ok)}/{len(rows)} ok, median {statistics.median(ok):.1f} ms, p90 {sorted(ok)[int(len(ok)*0.9)-1]:.1f} ms")
inv = json.load(open(f"{work}/report.json"))["invocations"][2:]  # first pair warms up
b = [i["ms"] for k, i in enumerate(inv) if k % 2 == 0]
replies = [l for l in open(f"{work}/lambda.out")]
c = [i["ms"] for k, i in enumerate(inv) if k % 2 == 1]
ok_c = sum(1 for l in replies[1::2] if '"statusCode":200' in l)
ok_b = sum(1 for l in replies[0::2] if '"code":200' in l)
print(f"bootstrap warm, Form B: median {statistics.median(b):.1f} ms ({ok_b}/{len(replies)//2} returned 200); Function URL Form C: median {statistics.median(c):.1f} ms "
      f"({ok_c}/{len(replies)//2} returned 200); added by the adapter: {statistics.median(c) - statistics.median(b):+.1f} ms")
PY

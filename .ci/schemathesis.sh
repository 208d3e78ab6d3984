#!/usr/bin/env bash
# Contract fuzzing: the schemathesis CLI (pinned in pyproject.toml) against a live gunicorn server
# with DEBUG off, over every API operation, all checks, three times: anonymously and with the
# editor's and the reviewer's tokens (writes included). Any server error or schema violation fails.
#
#   bash .ci/schemathesis.sh            # PostgreSQL when it answers on 127.0.0.1:5432, else SQLite
#   ST_EXAMPLES=5 ST_PORT=8105 bash .ci/schemathesis.sh
#   ST_DATABASE_URL=sqlite:////tmp/st.sqlite3 bash .ci/schemathesis.sh   # a database of your choice
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
BIN="$(dirname "$PY")"
PORT="${ST_PORT:-8104}"
EXAMPLES="${ST_EXAMPLES:-8}"
WORK="$(mktemp -d)"
DB_NAME="ct_schemathesis_$$"

export DEBUG=false
export SECRET_KEY="schemathesis-test-secret-key-not-for-production-0123456789abcdef"
export ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false
export API_THROTTLE_ANON=1000000/minute
export API_THROTTLE_USER=1000000/minute
export AXES_ENABLED=false
if [ -n "${ST_DATABASE_URL:-}" ]; then
    export DATABASE_URL="$ST_DATABASE_URL"
elif pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    createdb -h 127.0.0.1 -U postgres "$DB_NAME"
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
else
    export DATABASE_URL="sqlite:///$WORK/schemathesis.sqlite3"
fi

server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    case "$DATABASE_URL" in *"/$DB_NAME") dropdb -h 127.0.0.1 -U postgres --if-exists "$DB_NAME" ;; esac
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "schemathesis: database $DATABASE_URL, port $PORT, $EXAMPLES examples per operation"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py load_seeds >/dev/null
DEMO_EDITOR_PASSWORD="st-editor-$$-password" DEMO_REVIEWER_PASSWORD="st-reviewer-$$-password" \
    "$PY" manage.py create_demo_accounts --force >/dev/null
token() { "$PY" manage.py drf_create_token "$1" | awk '{print $3}'; }
EDITOR_TOKEN="$(token editor)"
REVIEWER_TOKEN="$(token reviewer)"

"$BIN/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
    --limit-request-line 8190 \
    --worker-class gthread --error-logfile "$WORK/errors.log" \
    --access-logfile - --access-logformat '%(s)s %(m)s %(U)s %(q)s' \
    >"$WORK/access.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    curl -fs "http://127.0.0.1:$PORT/api/v1/schema/?format=json" -o /dev/null && break
    sleep 1
done

failed=0
run() {
    local who="$1"; shift
    echo
    echo "== schemathesis as $who"
    if ! "$BIN/st" --no-color --config-file .ci/schemathesis.toml \
        run "http://127.0.0.1:$PORT/api/v1/schema/?format=json" \
        --checks all --max-examples "$EXAMPLES" --seed 20261130 --workers 2 \
        --request-timeout 30 --suppress-health-check all --generation-database none \
        "$@"; then
        failed=1
    fi
}
run anonymous
run editor -H "Authorization: Token $EDITOR_TOKEN"
run reviewer -H "Authorization: Token $REVIEWER_TOKEN"

requests=$(grep -c '^[1-5][0-9][0-9] ' "$WORK/access.log" || true)
errors=$(awk '$1 ~ /^5/' "$WORK/access.log" | wc -l)
echo
echo "schemathesis: $requests requests served, $errors answered 5xx"
if [ "$errors" -ne 0 ]; then
    awk '$1 ~ /^5/' "$WORK/access.log" | head -20
    tail -40 "$WORK/errors.log"
    failed=1
fi
exit "$failed"

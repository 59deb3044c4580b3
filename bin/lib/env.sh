# Shared set-up of bin/run and bin/test (sourced, not run): repo root as cwd, uv on PATH and
# installed if missing, the tools the local Kafka and FerretDB need, the workspace synced.
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

export PATH="$HOME/.local/bin:$PATH"
if [ -x /usr/local/go/bin/go ]; then
    export PATH="$PATH:/usr/local/go/bin"
fi

if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv with pip (--user) …" >&2
    python3 -m pip install --user --quiet uv \
        || python3 -m pip install --user --quiet --break-system-packages uv \
        || { echo "could not install uv; see https://docs.astral.sh/uv/ and install it by hand" >&2; exit 1; }
fi

missing=()
for tool in java mvn go; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing ${missing[*]} (needed for the local Kafka and FerretDB; see deploy/README.md)" >&2
    exit 1
fi

uv sync --frozen --all-packages

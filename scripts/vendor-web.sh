#!/usr/bin/env bash
# Re-fetch the web client's vendored libraries (ESM builds + licences) with `npm pack`.
# The versions are pinned here and recorded in src/roost/web/vendor/README.md; change both together.
set -euo pipefail
cd "$(dirname "$0")/.."
MARKED=18.2.1
DOMPURIFY=3.4.18
SWAGGER_UI=5.35.0
out=src/roost/web/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "marked@$MARKED" "dompurify@$DOMPURIFY" "swagger-ui-dist@$SWAGGER_UI" >/dev/null)
mkdir -p "$work/marked" "$work/dompurify" "$work/swagger" "$out/swagger"
tar xzf "$work/marked-$MARKED.tgz" -C "$work/marked"
tar xzf "$work/dompurify-$DOMPURIFY.tgz" -C "$work/dompurify"
cp "$work/marked/package/lib/marked.esm.js" "$out/marked.esm.js"
cp "$work/marked/package/LICENSE" "$out/marked.LICENSE"
cp "$work/dompurify/package/dist/purify.es.mjs" "$out/purify.es.mjs"
cp "$work/dompurify/package/LICENSE" "$out/dompurify.LICENSE"
tar xzf "$work/swagger-ui-dist-$SWAGGER_UI.tgz" -C "$work/swagger"
cp "$work/swagger/package/swagger-ui-bundle.js" "$work/swagger/package/swagger-ui.css" "$out/swagger/"
cp "$work/swagger/package/swagger-ui-bundle.js.LICENSE.txt" "$out/swagger/"
cp "$work/swagger/package/LICENSE" "$out/swagger/swagger-ui.LICENSE"
cp "$work/swagger/package/NOTICE" "$out/swagger/swagger-ui.NOTICE"
(cd "$out" && sha256sum marked.esm.js purify.es.mjs swagger/swagger-ui-bundle.js swagger/swagger-ui.css)

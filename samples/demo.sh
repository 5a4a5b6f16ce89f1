#!/usr/bin/env bash
# make demo: the main job on the bundled telecom sample.
#   1. ingest six raw exports (web, app, calls, chat, back office, store) stitched by the CRM table
#   2. discover the actual paths, write the process map (DOT, and SVG/PNG when Graphviz is installed)
#   3. conform: compare the journeys with the designed journey (BPMN) and explain the deviations
#   4. contacts: class every call, chat and store visit (mandatory, avoidable, selfcare, assistance)
#   5. emotion: the CSAT of each touchpoint against the desired curve, drawn in demo-output/emotion.png
#   6. funnel: journeys reaching each designed step in order, where they stop, by channel (funnel.svg)
#   7. report: everything in one HTML page to send (demo-output/report.html)
set -euo pipefail
JOURNEYLOG=${1:-journeylog}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/demo-output"
mkdir -p "$out"
cd "$here"

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

step "journeylog ingest samples/telecom/sources.yaml -o demo-output/journeys.parquet"
"$JOURNEYLOG" ingest samples/telecom/sources.yaml -o "$out/journeys.parquet" --json "$out/ingest.json"

graphs=(--graph "$out/map.dot" --graph "$out/map.json" --graph "$out/map.mmd" --graph "$out/map.graphml")
if command -v dot >/dev/null 2>&1; then
  graphs+=(--graph "$out/map.svg" --graph "$out/map.png")
else
  echo "note: Graphviz 'dot' is not installed, so map.svg/map.png are skipped (apt-get install graphviz); map.dot is written" >&2
fi
step "journeylog discover demo-output/journeys.parquet --coverage 0.8 ${graphs[*]}"
"$JOURNEYLOG" discover "$out/journeys.parquet" --coverage 0.8 "${graphs[@]}" --json "$out/discover.json"

if "$JOURNEYLOG" conform --help >/dev/null 2>&1; then
  step "journeylog conform demo-output/journeys.parquet --model samples/telecom/designed_journey.bpmn"
  "$JOURNEYLOG" conform "$out/journeys.parquet" --model samples/telecom/designed_journey.bpmn \
    --json "$out/conform.json" --journeys-out "$out/journey-fitness.csv"
fi

if "$JOURNEYLOG" contacts --help >/dev/null 2>&1; then
  step "journeylog contacts demo-output/journeys.parquet --model samples/telecom/designed_journey.bpmn --rules samples/telecom/contacts.yaml"
  "$JOURNEYLOG" contacts "$out/journeys.parquet" --model samples/telecom/designed_journey.bpmn \
    --rules samples/telecom/contacts.yaml --json "$out/contacts.json" --contacts-out "$out/contacts.csv"
fi

if "$JOURNEYLOG" emotion --help >/dev/null 2>&1; then
  step "journeylog emotion demo-output/journeys.parquet --model samples/telecom/designed_journey.bpmn --metric csat --desired samples/telecom/desired.yaml --plot demo-output/emotion.png"
  "$JOURNEYLOG" emotion "$out/journeys.parquet" --model samples/telecom/designed_journey.bpmn --metric csat \
    --desired samples/telecom/desired.yaml --plot "$out/emotion.png" --json "$out/emotion.json"
fi

if "$JOURNEYLOG" funnel --help >/dev/null 2>&1; then
  step "journeylog funnel demo-output/journeys.parquet --model samples/telecom/designed_journey.bpmn --by channel --plot demo-output/funnel.svg"
  "$JOURNEYLOG" funnel "$out/journeys.parquet" --model samples/telecom/designed_journey.bpmn --by channel \
    --plot "$out/funnel.svg" --json "$out/funnel.json"
fi

if "$JOURNEYLOG" report --help >/dev/null 2>&1; then
  step "journeylog report demo-output/journeys.parquet --model samples/telecom/designed_journey.bpmn --contacts samples/telecom/contacts.yaml --desired samples/telecom/desired.yaml -o demo-output/report.html"
  "$JOURNEYLOG" report "$out/journeys.parquet" --model samples/telecom/designed_journey.bpmn \
    --contacts samples/telecom/contacts.yaml --desired samples/telecom/desired.yaml -o "$out/report.html"
fi

echo >&2
echo "outputs in demo-output/: $(cd "$out" && ls | tr '\n' ' ')" >&2
if [ -f "$out/report.html" ]; then
  echo "the report to open in a browser: $out/report.html"
fi

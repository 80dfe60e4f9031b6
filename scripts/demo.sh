#!/usr/bin/env bash
# Installs what is missing, builds promptreg, and runs the main job end to end on a demo registry
# built from the example release in registry/: publish, show, diff, canary, promote, rollback, verify.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --product promptreg
bin="$(swift build --show-bin-path)/promptreg"
work=".build/demo"
rm -rf "$work" && mkdir -p "$work"
export PROMPTREG_REGISTRY="$work/registry" PROMPTREG_ACTOR="demo <demo@example.com>"
# Echoes each command quoted as a shell would need it (printf %q), so it can be pasted back.
run() { printf '\n$ promptreg'; printf ' %q' "$@"; printf '\n'; "$bin" "$@"; }

run init "$PROMPTREG_REGISTRY"
for bundle in support-triage support-agent reply-verifier; do
  run publish "registry/$bundle" -m "first release of $bundle"
  run promote "$bundle@1.0.0" prod -m "go live"
done
run show support-agent

# A new release: a wording change and a cooler temperature (promptreg infers 1.1.0).
cp -r registry/support-agent "$work/support-agent"
sed -i 's/Be brief, specific and kind./Be brief, specific, kind and plain-spoken./' "$work/support-agent/prompts/system.mustache"
sed -i 's/temperature: 0.3/temperature: 0.2/' "$work/support-agent/bundle.yaml"
run publish "$work/support-agent" -m "plainer replies, less variance"
run diff support-agent@1.0.0 support-agent@1.1.0

run promote support-agent@1.1.0 canary --traffic 10 -m "try on 10% of users"
for user in user-1 user-2 user-3 user-4 user-5 user-6 user-7 user-8 user-9 user-10 user-11 user-12; do
  printf '%s -> ' "$user"; "$bin" resolve support-agent --subject "$user"  | head -1
done
run promote canary prod -m "release 2026.11"
run status
run rollback prod -m "replies too terse: back to 1.0.0"
run resolve support-agent
run log -n 4
run verify
printf '\n$ git --git-dir=%q fsck\n' "$PROMPTREG_REGISTRY"
git --git-dir="$PROMPTREG_REGISTRY" fsck 2>&1 | grep -v '^notice' || true
echo
echo "demo complete: registry left at $PROMPTREG_REGISTRY"

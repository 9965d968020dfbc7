# The orderer watchdog: restarts an orderer that has stopped following the others.
#
# SmartBFT v1.0.1, the version in Fabric v3.1.5, can wedge an orderer for good: when a view is
# aborted while the controller delivers a decision, the view's goroutine stops waiting for that
# delivery, and the controller blocks forever handing it over (Controller.decide sends on
# deliverChan, which nobody reads any more; its goroutine stacks show it, `stacks ORDERER`). The
# orderer still answers its operations endpoint, but its height no longer moves, and BFT has no
# fault left to tolerate. Seen after an orderer was restarted under load; a restart clears it, as a
# liveness probe would. The watchdog saves the wedged orderer's stacks, then restarts it, and logs
# both to network/runtime/logs/bft-watchdog.log.

# Seconds an orderer's height may stand still while the highest height moves on (a healthy
# follower's moves with every block; one catching up moves while it pulls).
WATCHDOG_WEDGED_SECONDS=20
# Blocks the others must have gained meanwhile: a quiet channel wedges nothing.
WATCHDOG_MIN_BLOCKS=10
WATCHDOG_INTERVAL_SECONDS=5

watchdog_loop() {
  declare -A height since highest_then
  local name h leader now highest
  while true; do
    now=$SECONDS
    highest=0
    local rows
    rows=$(bft_orderers)
    while read -r name h leader; do [[ $h =~ ^[0-9]+$ ]] && ((h > highest)) && highest=$h; done <<<"$rows"
    while read -r name h leader; do
      if ! [[ $h =~ ^[0-9]+$ ]]; then unset "height[$name]"; continue; fi
      if [[ ${height[$name]:-} != "$h" ]]; then
        height[$name]=$h since[$name]=$now highest_then[$name]=$highest
        continue
      fi
      if ((now - since[$name] >= WATCHDOG_WEDGED_SECONDS && highest - highest_then[$name] >= WATCHDOG_MIN_BLOCKS)); then
        log "$(date -u +%FT%TZ) $name wedged at height $h for $((now - since[$name]))s while the others reached $highest: saving its stacks, restarting it"
        curl -fs --max-time 10 "$(orderer_profile_url "$name")/debug/pprof/goroutine?debug=2" \
          >"$LOGS/$name.stacks-$(date -u +%Y%m%dT%H%M%SZ).txt" || true
        stop_process "$name" KILL
        (restart_orderer "$name") || log "$(date -u +%FT%TZ) $name did not come back healthy (log: $LOGS/$name.log)"
        unset "height[$name]"
      fi
    done <<<"$rows"
    sleep "$WATCHDOG_INTERVAL_SECONDS"
  done
}

start_watchdog() {
  start_process bft-watchdog -- "$REPO_DIR/test-network.sh" watchdog-loop
}

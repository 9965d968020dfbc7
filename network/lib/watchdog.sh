# The orderer watchdog: restarts an orderer that has stopped following the others or left their
# view, and the orderers that keep a whole cluster from ordering.
#
# SmartBFT v1.0.1, the version in Fabric v3.1.5, can wedge an orderer for good: when a view is
# aborted while the controller delivers a decision, the view's goroutine stops waiting for that
# delivery, and the controller blocks forever handing it over (Controller.decide sends on
# deliverChan, which nobody reads any more; its goroutine stacks show it, `stacks ORDERER`). The
# orderer still answers its operations endpoint, but its height no longer moves, and BFT has no
# fault left to tolerate. Seen after an orderer was restarted under load; a restart clears it, as a
# liveness probe would. The watchdog saves the orderers' stacks before it restarts any, and logs
# what it saw and did to network/runtime/logs/bft-watchdog.log.

# Seconds an orderer's height may stand still while it is behind the highest (a healthy
# follower's moves with every block; one catching up moves while it pulls, on a quiet channel too).
WATCHDOG_WEDGED_SECONDS=20
# Blocks it must be behind: a block or two is a follower a moment late.
WATCHDOG_MIN_BLOCKS=10
# Seconds the whole cluster may make no progress, every orderer up, while requests wait in the
# pools of at least f+1 of them (so a correct one has work): longer than SmartBFT's own remedy, a
# complaint against the leader (RequestComplainTimeout, 20 s) and a view change (6 s). Seen after
# restarts under load: the orderers stop at one height following different leaders, for good.
WATCHDOG_STALLED_SECONDS=45
# Seconds one orderer alone may hold requests, the same or more at every look, while it keeps up
# with the others and their pools are empty: requests leave a healthy pool within seconds (the
# gateway sends each to every orderer; the peer CLI sends to one, which forwards it to the leader
# after RequestForwardTimeout, 1 s). Seen on a new channel: an orderer outside the view the other
# three agreed on named the same leader and pulled their blocks, but nothing ordered what was sent
# to it, and a lone complaint cannot change the view.
WATCHDOG_ALONE_SECONDS=45
WATCHDOG_INTERVAL_SECONDS=5

watchdog_loop() {
  declare -A height since
  local name h leader pending now highest rows last_highest=-1 stalled_since=$SECONDS
  local alone last_alone='' alone_since=$SECONDS
  while true; do
    now=$SECONDS
    highest=0
    rows=$(bft_orderers)
    while read -r name h _; do [[ $h =~ ^[0-9]+$ ]] && ((h > highest)) && highest=$h; done <<<"$rows"
    while read -r name h leader pending; do
      if ! [[ $h =~ ^[0-9]+$ ]]; then unset "height[$name]"; continue; fi
      if [[ ${height[$name]:-} != "$h" ]]; then
        height[$name]=$h since[$name]=$now
        continue
      fi
      if ((now - since[$name] >= WATCHDOG_WEDGED_SECONDS && highest - h >= WATCHDOG_MIN_BLOCKS)); then
        log "$(date -u +%FT%TZ) $name wedged at height $h for $((now - since[$name]))s while the others reached $highest: saving its stacks, restarting it"
        save_stacks "$name"
        restart_wedged "$name"
        unset "height[$name]"
      fi
    done <<<"$rows"
    if ((highest != last_highest)) || ! requests_waiting "$rows"; then
      stalled_since=$now
    elif ((now - stalled_since >= WATCHDOG_STALLED_SECONDS)); then
      restart_stalled "$rows" $((now - stalled_since))
      stalled_since=$SECONDS
    fi
    last_highest=$highest
    alone=$(lone_holder "$rows")
    if [[ -z $alone || ${alone% *} != "${last_alone% *}" || ${alone#* } -lt ${last_alone#* } ]]; then
      alone_since=$now
    elif ((now - alone_since >= WATCHDOG_ALONE_SECONDS)); then
      log "$(date -u +%FT%TZ) ${alone% *} alone has held ${alone#* } requests for $((now - alone_since))s while the others' pools are empty ($(paste -sd';' <<<"$rows")): saving its stacks, restarting it"
      save_stacks "${alone% *}"
      restart_wedged "${alone% *}"
      alone=''
    fi
    last_alone=$alone
    sleep "$WATCHDOG_INTERVAL_SECONDS"
  done
}

# True when every orderer answers and at least f+1 hold requests not yet ordered.
requests_waiting() {
  local f=$(((${#ORDERERS[@]} - 1) / 3)) waiting=0 name h leader pending
  while read -r name h leader pending; do
    [[ $h =~ ^[0-9]+$ ]] || return 1
    [[ $pending =~ ^[0-9]+$ ]] && ((pending > 0)) && waiting=$((waiting + 1))
  done <<<"$1"
  ((waiting > f))
}

# "NAME PENDING" of the one orderer holding requests, when every orderer answers, the others' pools
# are empty and it is fewer than WATCHDOG_MIN_BLOCKS behind (one further behind is the wedge rule's
# to judge); nothing otherwise.
lone_holder() {
  awk -v min="$WATCHDOG_MIN_BLOCKS" '
    $2 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ { down = 1; next }
    $2 + 0 > highest { highest = $2 + 0 }
    $4 > 0 { holders++; name = $1; height = $2; pending = $4 }
    END { if (!down && holders == 1 && highest - height < min) print name, pending }' <<<"$1"
}

# A stalled cluster: restarts the orderers that follow another leader than most do, one at a time.
restart_stalled() {
  local rows=$1 seconds=$2 name victims
  victims=$(stalled_victims "$rows")
  log "$(date -u +%FT%TZ) cluster stalled for ${seconds}s with requests waiting ($(paste -sd';' <<<"$rows")): saving stacks, restarting $(echo $victims)"
  while read -r name _; do save_stacks "$name"; done <<<"$rows"
  for name in $victims; do restart_wedged "$name"; done
}

# The orderers to restart in a stalled cluster (rows as bft_orderers prints them): those that
# follow another leader than most do; when all follow one, that leader, whose decisions are what
# no longer flow.
stalled_victims() {
  local common
  common=$(awk '{ print $3 }' <<<"$1" | sort | uniq -c | sort -k1,1rn -k2 | awk 'NR == 1 { print $2 }')
  awk -v common="$common" '$3 != common { print $1 }' <<<"$1" | grep . || echo "$common"
}

save_stacks() {
  curl -fs --max-time 10 "$(orderer_profile_url "$1")/debug/pprof/goroutine?debug=2" \
    >"$LOGS/$1.stacks-$(date -u +%Y%m%dT%H%M%SZ).txt" || true
}

restart_wedged() {
  stop_process "$1" KILL
  (restart_orderer "$1") || log "$(date -u +%FT%TZ) $1 did not come back healthy (log: $LOGS/$1.log)"
}

start_watchdog() {
  start_process bft-watchdog -- "$REPO_DIR/test-network.sh" watchdog-loop
}

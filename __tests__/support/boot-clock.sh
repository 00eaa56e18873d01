#!/bin/bash
# BASH_ENV of the sandboxed boot script (boot-sandbox.ts): a virtual clock. `sleep N` advances bash's SECONDS by
# N at once instead of waiting, so the script's own deadline arithmetic (VOLUME_WAIT_SECONDS, 600 s in the
# stack) runs unchanged, in milliseconds. A volume "attached late" (/.sandbox/state/attach-after holds a number
# of sleeps, /.sandbox/state/attach-link "NAME TARGET") appears in /dev/disk/by-id once that many have passed.
#
# SECONDS is unset first: that removes its special meaning for good (bash(1): "If SECONDS is unset, it loses its
# special properties, even if it is subsequently reset"), so it is a plain variable that only `sleep` below moves.
# Merely assigning it would not do: bash keeps adding the real seconds elapsed since the assignment, and on a
# busy machine the script would time out after fewer sleeps. Set to 0, as a new shell's SECONDS is, so that
# `set -u` scripts can read it.
unset SECONDS
SECONDS=0

sleep() {
  printf '%s\x1fsleep\x1f%s\x1e' "${SANDBOX_RUN:-0}" "$*" >> /.sandbox/calls
  SECONDS=$((SECONDS + ${1%%[!0-9]*}))
  local left name target
  if [[ -f /.sandbox/state/attach-after ]]; then
    left=$(($(< /.sandbox/state/attach-after) - 1))
    if ((left > 0)); then
      echo "$left" > /.sandbox/state/attach-after
    else
      rm -f /.sandbox/state/attach-after
      read -r name target < /.sandbox/state/attach-link
      ln -s "$target" "/dev/disk/by-id/$name"
      echo "link $name $target" >> /.sandbox/devices   # still attached on the next run
    fi
  fi
}

# The wall clock, when a test sets one: /.sandbox/state/now holds seconds since the epoch, and `date` tells that
# time (`date -u +%Y%m%d_%H%M%S` names a backup deterministically). Without the file, the real date.
date() {
  if [[ -f /.sandbox/state/now ]]; then
    command date -d "@$(< /.sandbox/state/now)" "$@"
  else
    command date "$@"
  fi
}

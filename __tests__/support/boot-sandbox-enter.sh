#!/bin/bash
# Runs the boot script of a sandbox made by boot-sandbox.ts. Must run inside a private mount namespace
# (`unshare --mount --propagation private --fork`): every mount made here disappears with it, nothing reaches
# the host's mount table. The script then runs chrooted into SANDBOX/root, a plain directory of the test, so
# every absolute path it writes (/etc/fstab, /swapfile, /opt, /var, …) lands in that directory:
#   /usr           the host's, read-only (programs and libraries), except
#   /usr/local     SANDBOX/usr-local, writable (compose plugin, openlit-prestart)
#   /proc          the host's, read-only view, with /proc/meminfo replaced by SANDBOX/meminfo
#   /dev           a fresh nodev tmpfs: null and urandom bound from the host, fd, /dev/console a plain file,
#                  and the fake disks of SANDBOX/root/.sandbox/devices (block nodes that can never be opened)
# Usage: boot-sandbox-enter.sh SANDBOX RUN HOST_MOUNT_NAMESPACE [COMMAND [ARG…]]
# With a COMMAND (a path inside the sandbox), runs it instead of the boot script, in the same environment.
set -euo pipefail
sandbox=$1 run=$2 host_ns=$3
shift 3
if (($#)); then to_run=("$@"); else to_run=(/bin/bash /.sandbox/user-data.sh); fi
root=$sandbox/root

if [[ $(readlink /proc/self/ns/mnt) == "$host_ns" ]]; then
  echo "boot-sandbox-enter: refusing to mount anything: not in a private mount namespace" >&2
  exit 97
fi
mount --make-rprivate /

for dir in usr bin sbin lib lib32 lib64 libx32; do
  if [[ -d /$dir && ! -L /$dir ]]; then
    mount --rbind "/$dir" "$root/$dir"
    mount -o remount,bind,ro "$root/$dir"
  fi
done
mount --bind "$sandbox/usr-local" "$root/usr/local"

mount -t tmpfs -o nodev,nosuid,mode=0755 sandbox-dev "$root/dev"
for node in null urandom; do
  : > "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
ln -s /proc/self/fd "$root/dev/fd"   # bash's process substitution: exec > >(tee …)
: > "$root/dev/console"
mkdir -p "$root/dev/disk/by-id"
while read -r kind name a b; do
  case $kind in
    block) mknod "$root/dev/$name" b "$a" "$b" ;;
    link) ln -s "$a" "$root/dev/disk/by-id/$name" ;;
    *) echo "boot-sandbox-enter: bad devices line: $kind" >&2; exit 97 ;;
  esac
done < "$root/.sandbox/devices"

mount --rbind /proc "$root/proc"
mount -o remount,bind,ro "$root/proc"
mount --bind "$sandbox/meminfo" "$root/proc/meminfo"

# cloud-init runs user-data as root with a minimal environment; PATH holds only stubs and allowed tools.
exec chroot "$root" /usr/bin/env -i PATH=/.sandbox/bin HOME=/root LANG=C.UTF-8 \
  BASH_ENV=/.sandbox/clock.sh SANDBOX_RUN="$run" "${to_run[@]}"

#!/bin/bash
# Stand-ins for the system commands the boot script (templates/user-data.sh.hbs) calls, for the sandbox in
# boot-sandbox.ts. Sourced by every stub in /.sandbox/bin inside the sandbox's chroot: the stub records its call,
# then runs stub_<name> (dots and dashes as underscores). Each behaves like the real command just enough for the
# boot script, and keeps the machine's state where the real one would: files the script can see (/etc/dnf,
# /swapfile, the compose plugin) in place, kernel state (filesystems on devices, mounts, active swap) under
# /.sandbox/state so it survives between runs and a "reboot" can forget what a reboot forgets.
# Nothing here touches a real device: the fake block devices live on a nodev tmpfs and are never opened.
# shellcheck disable=SC2317,SC2329  # functions are invoked indirectly, by name

readonly SANDBOX_STATE=/.sandbox/state
# What mkfs.xfs gives a new filesystem (real mkfs picks a random one).
readonly NEW_FS_UUID=7b0c1e52-3d4a-4f6b-9c8d-2e1f0a9b8c7d

# One record per call, one O_APPEND write: run number, command, arguments, separated by \x1f, ended by \x1e.
__record() {
  local rec="${SANDBOX_RUN:-0}"$'\x1f'"$1" arg
  shift
  for arg in "$@"; do rec+=$'\x1f'"$arg"; done
  printf '%s\x1e' "$rec" >> /.sandbox/calls
}

# --- packages and services --------------------------------------------------------------------------
stub_dnf() {
  # Installing dnf-automatic brings its stock configuration, as on Amazon Linux 2023.
  if [[ " $* " == *" install "* && " $* " == *" dnf-automatic "* && ! -f /etc/dnf/automatic.conf ]]; then
    mkdir -p /etc/dnf
    cat > /etc/dnf/automatic.conf <<'CONF'
[commands]
upgrade_type = default
random_sleep = 0
network_online_timeout = 60
download_updates = yes
apply_updates = no

[emitters]
emit_via = stdio
CONF
  fi
}

stub_systemctl() { :; }

# aws: answered from a fake account under /.sandbox/state/aws when the test made one; without it, every call
# succeeds and prints nothing (all the boot script itself needs). With it, as the CLI (--output text) would:
#   ssm get-parameter --name NAME …                    prints aws/ssm/NAME
#   secretsmanager get-secret-value --secret-id ID …   prints aws/secretsmanager/ID (":" and "/" as "_")
#   s3 cp FILE s3://BUCKET/KEY [--metadata K=V]         stores aws/s3/BUCKET/KEY, its metadata in KEY.metadata
#   s3 cp s3://BUCKET/KEY FILE                          copies it back
#   s3api head-object --bucket B --key K --query 'Metadata."NAME"'   prints NAME's value, or None
# A missing parameter, secret or object fails as AWS does; any other call fails (it needs a stub first).
stub_aws() {
  local fake=$SANDBOX_STATE/aws
  [[ -d $fake ]] || return 0
  local call="${1:-} ${2:-}" name="" id="" bucket="" key="" query="" metadata="" object
  local -a positional=()
  shift 2 || true
  while (($#)); do
    case $1 in
      --name) name=$2; shift 2 ;;
      --secret-id) id=$2; shift 2 ;;
      --bucket) bucket=$2; shift 2 ;;
      --key) key=$2; shift 2 ;;
      --query) query=$2; shift 2 ;;
      --metadata) metadata=$2; shift 2 ;;
      --region | --output) shift 2 ;;
      --*) shift ;;
      *) positional+=("$1"); shift ;;
    esac
  done
  case $call in
    "ssm get-parameter")
      if [[ ! -f $fake/ssm$name ]]; then
        echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter $name not found." >&2
        return 254
      fi
      printf '%s\n' "$(< "$fake/ssm$name")" ;;
    "secretsmanager get-secret-value")
      object=$fake/secretsmanager/${id//[:\/]/_}
      if [[ ! -f $object ]]; then
        echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret." >&2
        return 254
      fi
      printf '%s\n' "$(< "$object")" ;;
    "s3 cp")
      if [[ ${positional[1]:-} == s3://* ]]; then
        object=$fake/s3/${positional[1]#s3://}
        mkdir -p "${object%/*}"
        cp "${positional[0]}" "$object"
        printf '%s\n' "${metadata//,/$'\n'}" > "$object.metadata"
      elif [[ ${positional[0]:-} == s3://* ]]; then
        object=$fake/s3/${positional[0]#s3://}
        if [[ ! -f $object ]]; then
          echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \"${positional[0]#s3://*/}\" does not exist" >&2
          return 1
        fi
        cp "$object" "${positional[1]}"
      else
        echo "aws stub: s3 cp between two local files: ${positional[*]}" >&2
        return 1
      fi ;;
    "s3api head-object")
      object=$fake/s3/$bucket/$key
      if [[ ! -f $object ]]; then
        echo "An error occurred (404) when calling the HeadObject operation: Not Found" >&2
        return 254
      fi
      if [[ ! $query =~ ^Metadata\.\"([^\"]+)\"$ ]]; then echo "aws stub: head-object --query '$query' is not known" >&2; return 1; fi
      name=$(sed -n "s/^${BASH_REMATCH[1]}=//p" "$object.metadata")
      echo "${name:-None}" ;;
    *)
      echo "aws stub: no fake for 'aws $call'" >&2
      return 1 ;;
  esac
}
stub_amazon_cloudwatch_agent_ctl() { :; }
stub_sleep() { :; }   # only reached if BASH_ENV's virtual clock is bypassed

stub_uname() {
  if [[ ${1:-} == -m ]]; then echo aarch64; else echo Linux; fi
}

# Everything the boot script writes to stdout/stderr goes through `tee | logger`: keep reading, or tee gets SIGPIPE.
stub_logger() { cat >> "$SANDBOX_STATE/syslog"; }

# --- docker and its compose plugin ------------------------------------------------------------------
# `docker compose …` runs the installed plugin, as the real CLI does; without one it is an unknown command.
stub_docker() {
  local plugin=/usr/local/lib/docker/cli-plugins/docker-compose
  if [[ ${1:-} == compose ]]; then
    if [[ -x $plugin ]]; then exec "$plugin" "${@:2}"; fi
    echo "docker: 'compose' is not a docker command." >&2
    return 1
  fi
  # `docker exec [-i] CONTAINER COMMAND…`: the test's fake container, /.sandbox/state/docker-exec, when it has one.
  if [[ ${1:-} == exec && -x $SANDBOX_STATE/docker-exec ]]; then exec "$SANDBOX_STATE/docker-exec" "${@:2}"; fi
}

# Downloads of compose releases only: the binary (a script printing its version) or its .sha256 file.
stub_curl() {
  local out="" url="" version name
  while (($#)); do
    case $1 in
      -o) out=$2; shift 2 ;;
      --retry) shift 2 ;;
      -*) shift ;;
      *) url=$1; shift ;;
    esac
  done
  if [[ -z $out || $url != https://github.com/docker/compose/releases/download/* ]]; then
    echo "curl stub: unexpected download '$url' (-o '$out')" >&2
    return 22
  fi
  if [[ $url == *.sha256 ]]; then
    name=${url%.sha256}
    printf '%s *%s\n' 4f2a5b8c1d3e6f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f20 "${name##*/}" > "$out"
  else
    version=${url#*/download/}
    version=${version%%/*}
    printf '#!/bin/bash\necho "Docker Compose version %s"\n' "$version" > "$out"
  fi
}

# `sha256sum -c FILE`: every file FILE names must exist (the hashes are not computed).
stub_sha256sum() {
  local hash name
  if [[ ${1:-} != -c || ! -f ${2:-} ]]; then echo "sha256sum stub: expected -c FILE" >&2; return 1; fi
  while read -r hash name; do
    name=${name#\*}
    if [[ ${#hash} -ne 64 || ! -f $name ]]; then echo "sha256sum: $name: FAILED open or read" >&2; return 1; fi
    echo "$name: OK"
  done < "$2"
}

# --- disks and filesystems --------------------------------------------------------------------------
# `blkid -o value -s TYPE|UUID DEV`: exit 2 (nothing found) on a device without a filesystem, like blkid.
stub_blkid() {
  local tag="" dev="" fs
  while (($#)); do
    case $1 in
      -o) shift 2 ;;
      -s) tag=$2; shift 2 ;;
      -*) shift ;;
      *) dev=$1; shift ;;
    esac
  done
  fs="$SANDBOX_STATE/fs/${dev##*/}"
  [[ -f $fs ]] || return 2
  case $tag in
    TYPE) echo xfs ;;
    UUID) cat "$fs" ;;
    *) return 4 ;;
  esac
}

# Like mkfs.xfs without -f: refuses a device that already carries a filesystem.
stub_mkfs_xfs() {
  local dev=${!#}
  if [[ ! -b $dev ]]; then echo "mkfs.xfs: cannot open $dev: not a block device" >&2; return 1; fi
  if [[ -f $SANDBOX_STATE/fs/${dev##*/} && " $* " != *" -f "* ]]; then
    echo "mkfs.xfs: $dev appears to contain an existing filesystem (xfs)." >&2
    return 1
  fi
  mkdir -p "$SANDBOX_STATE/fs"
  echo "$NEW_FS_UUID" > "$SANDBOX_STATE/fs/${dev##*/}"
}

# `lsblk -no PKNAME DEV`: the disk of an NVMe partition, an empty line for a whole disk.
stub_lsblk() {
  local name=${!#}
  name=${name##*/}
  if [[ $name =~ ^(nvme[0-9]+n[0-9]+)p[0-9]+$ ]]; then echo "${BASH_REMATCH[1]}"; else echo; fi
}

# `findmnt -no SOURCE /`: the root filesystem's device.
stub_findmnt() {
  if [[ ${!#} != / ]]; then echo "findmnt stub: only / is known" >&2; return 1; fi
  cat "$SANDBOX_STATE/root-source"
}

# `mount MOUNTPOINT`: needs an /etc/fstab line for it whose UUID is a filesystem on some device.
stub_mount() {
  local target=${1:-} spec
  if (($# != 1)); then echo "mount stub: expected one mount point, got: $*" >&2; return 1; fi
  spec=$(awk -v t="$target" '$1 !~ /^#/ && $2 == t { print $1; exit }' /etc/fstab)
  if [[ -z $spec ]]; then echo "mount: $target: can't find in /etc/fstab." >&2; return 1; fi
  if ! cat "$SANDBOX_STATE"/fs/* 2>/dev/null | grep -qx "${spec#UUID=}"; then
    echo "mount: $target: special device $spec does not exist." >&2
    return 32
  fi
  if [[ -e $SANDBOX_STATE/mounted/${target//\//_} ]]; then
    echo "mount: $target: $spec already mounted on $target." >&2
    return 32
  fi
  mkdir -p "$SANDBOX_STATE/mounted"
  echo "$spec" > "$SANDBOX_STATE/mounted/${target//\//_}"
}

stub_mountpoint() {
  [[ -e $SANDBOX_STATE/mounted/${!#//\//_} ]]
}

# --- swap -------------------------------------------------------------------------------------------
stub_dd() {
  local arg of="" count=""
  for arg; do
    case $arg in
      of=*) of=${arg#of=} ;;
      count=*) count=${arg#count=} ;;
    esac
  done
  if [[ -z $of || -z $count ]]; then echo "dd stub: expected of= and count=" >&2; return 1; fi
  # A disk that fills up (or a boot cut short) half-way through the file, once.
  if [[ -f $SANDBOX_STATE/dd-fails-once ]]; then
    rm -f "$SANDBOX_STATE/dd-fails-once"
    echo "partial: 17 of $count MiB" > "$of"
    echo "dd: error writing '$of': No space left on device" >&2
    return 1
  fi
  echo "zeros: $count MiB" > "$of"
}

stub_mkswap() {
  local file=${!#}
  if [[ ! -f $file ]]; then echo "mkswap: cannot open $file: No such file or directory" >&2; return 1; fi
  echo "SWAPSPACE2" >> "$file"
}

# `swapon --show=NAME --noheadings` lists active swap; `swapon FILE` needs mkswap's signature, once.
stub_swapon() {
  local file=${1:-}
  if [[ $file == --show* ]]; then
    if [[ -f $SANDBOX_STATE/swaps ]]; then cat "$SANDBOX_STATE/swaps"; fi
    return 0
  fi
  if ! grep -qx SWAPSPACE2 "$file" 2>/dev/null; then echo "swapon: $file: read swap header failed" >&2; return 255; fi
  if grep -qx "$file" "$SANDBOX_STATE/swaps" 2>/dev/null; then
    echo "swapon: $file: swapon failed: Device or resource busy" >&2
    return 255
  fi
  echo "$file" >> "$SANDBOX_STATE/swaps"
}

# --- TLS, ownership, growing a filesystem -----------------------------------------------------------
# `openssl req -x509 … -subj SUBJECT -keyout KEY -out CERT`: a stand-in key (0600, as openssl writes one) and a
# certificate naming the subject and the run, so a test can tell a kept pair from a new one.
stub_openssl() {
  local subj="" keyout="" out=""
  if [[ ${1:-} != req ]]; then echo "openssl stub: only 'openssl req' is known: $*" >&2; return 1; fi
  shift
  while (($#)); do
    case $1 in
      -subj) subj=$2; shift 2 ;;
      -keyout) keyout=$2; shift 2 ;;
      -out) out=$2; shift 2 ;;
      -newkey | -pkeyopt | -days) shift 2 ;;
      *) shift ;;
    esac
  done
  if [[ -z $keyout || -z $out ]]; then echo "openssl stub: expected -keyout and -out" >&2; return 1; fi
  (umask 077 && printf -- '-----BEGIN PRIVATE KEY-----\nstub key of run %s\n-----END PRIVATE KEY-----\n' "${SANDBOX_RUN:-0}" > "$keyout")
  printf -- '-----BEGIN CERTIFICATE-----\nstub certificate for %s, run %s\n-----END CERTIFICATE-----\n' "$subj" "${SANDBOX_RUN:-0}" > "$out"
}

# `chown OWNER FILE…`: fails on a missing file as the real one does; ownership itself is not modelled (the
# sandbox's files belong to the test), the call is recorded.
stub_chown() {
  local file
  for file in "${@:2}"; do
    if [[ ! -e $file ]]; then echo "chown: cannot access '$file': No such file or directory" >&2; return 1; fi
  done
}

# `xfs_growfs -d MOUNTPOINT`: needs a mounted filesystem, like the real one; the growing is not modelled.
stub_xfs_growfs() {
  local target=${!#}
  if [[ ! -e $SANDBOX_STATE/mounted/${target//\//_} ]]; then echo "xfs_growfs: $target is not a mounted XFS filesystem" >&2; return 1; fi
}

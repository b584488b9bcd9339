#!/usr/bin/env bash
# The host firewall of DOCKER_NETWORK=isolated (docs/security.md, "Network
# topology"). The portal gives every environment a bridge of its own whose
# interface name starts with "pfe"; this script, run as root on the Docker
# host (network namespace of dockerd), decides what crosses those bridges:
#
#   - the access bridge (guacd, the portal, a web proxy: PORTAL_ACCESS_BRIDGE)
#     may open connections to environments; nothing else may;
#   - environments may open no connection to the access bridge, to each
#     other or to the host itself (INPUT), only answer;
#   - environments' egress to private ranges (10/8, 172.16/12, 192.168/16,
#     100.64/10, 169.254/16, fc00::/7, fe80::/10) is dropped unless listed in
#     ENVIRONMENT_EGRESS_ALLOW; cloud metadata (169.254.169.254) always is;
#     public addresses are reachable unless ENVIRONMENT_EGRESS_PUBLIC=deny.
#
#   bash deploy/docker/environment_firewall.sh apply [--env-file FILE]
#   bash deploy/docker/environment_firewall.sh remove
#   bash deploy/docker/environment_firewall.sh print [--env-file FILE]   # the rules, nothing applied
#
# Settings come from the environment or from the portal's env file
# (--env-file; exported variables win): ENVIRONMENT_EGRESS_ALLOW (CIDRs,
# comma-separated), ENVIRONMENT_EGRESS_PUBLIC (allow|deny, default allow),
# PORTAL_ACCESS_BRIDGE (interface names, comma-separated, default
# portal-access,portal-front: the `com.docker.network.bridge.name` of the
# compose networks "portal-workloads" (guacd, the portal) and "frontend"
# (the portal's default route may be either); a name no interface has
# matches nothing). The rules hang off DOCKER-USER (FORWARD) and
# INPUT, in chains of their own; "apply" is idempotent and survives dockerd
# restarts (Docker keeps DOCKER-USER). Run it at boot after docker.service
# (deploy/docker/portal-environment-firewall.service).
set -euo pipefail

FORWARD_CHAIN=PORTAL-ENV-FORWARD
INPUT_CHAIN=PORTAL-ENV-INPUT
ENV_IF='pfe+'
PRIVATE_V4=(10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16)
PRIVATE_V6=(fc00::/7 fe80::/10)
METADATA=169.254.169.254

usage() {
  echo "usage: $0 apply|remove|print [--env-file FILE]" >&2
  exit 2
}

action="${1:-}"
[ -n "$action" ] || usage
shift
env_file=
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file="${2:?--env-file needs a file}"; shift 2 ;;
    *) usage ;;
  esac
done

# One KEY=VALUE of the env file, unless exported (quotes stripped, no expansion).
setting() {
  local key="$1" default="$2" line
  if [ -n "${!key+x}" ]; then
    printf '%s\n' "${!key}"
    return
  fi
  if [ -n "$env_file" ] && line="$(grep -E "^[[:space:]]*${key}=" "$env_file" | tail -n 1)"; then
    line="${line#*=}"
    line="${line%\"}"; line="${line#\"}"; line="${line%\'}"; line="${line#\'}"
    printf '%s\n' "$line"
    return
  fi
  printf '%s\n' "$default"
}

split() { tr ',' '\n' <<<"$1" | tr -d ' \t\r' | grep -v '^$' || true; }

allow="$(setting ENVIRONMENT_EGRESS_ALLOW '')"
public="$(setting ENVIRONMENT_EGRESS_PUBLIC allow)"
access="$(setting PORTAL_ACCESS_BRIDGE portal-access,portal-front)"
case "$public" in allow | deny) ;; *) echo "ENVIRONMENT_EGRESS_PUBLIC must be allow or deny, not \"$public\"" >&2; exit 2 ;; esac

# Rules of one family (4 or 6), one per line, as iptables arguments.
rules() {
  local family="$1" bridge cidr
  local -a private=("${PRIVATE_V4[@]}")
  [ "$family" = 6 ] && private=("${PRIVATE_V6[@]}")
  # FORWARD (DOCKER-USER): peers in, answers out, nothing else between bridges.
  for bridge in $(split "$access"); do
    echo "-A $FORWARD_CHAIN -i $bridge -o $ENV_IF -j ACCEPT"
    echo "-A $FORWARD_CHAIN -i $ENV_IF -o $bridge -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"
    echo "-A $FORWARD_CHAIN -i $ENV_IF -o $bridge -j DROP"
  done
  echo "-A $FORWARD_CHAIN -o $ENV_IF -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN"
  echo "-A $FORWARD_CHAIN -o $ENV_IF -j DROP"
  echo "-A $FORWARD_CHAIN -i $ENV_IF -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN"
  [ "$family" = 4 ] && echo "-A $FORWARD_CHAIN -i $ENV_IF -d $METADATA -j DROP"
  for cidr in $(split "$allow"); do
    case "$cidr" in *:*) [ "$family" = 6 ] || continue ;; *) [ "$family" = 4 ] || continue ;; esac
    echo "-A $FORWARD_CHAIN -i $ENV_IF -d $cidr -j RETURN"
  done
  for cidr in "${private[@]}"; do
    echo "-A $FORWARD_CHAIN -i $ENV_IF -d $cidr -j DROP"
  done
  [ "$public" = deny ] && echo "-A $FORWARD_CHAIN -i $ENV_IF -j DROP"
  echo "-A $FORWARD_CHAIN -j RETURN"
  # INPUT: the host itself (its address on every bridge) only answers.
  echo "-A $INPUT_CHAIN -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN"
  echo "-A $INPUT_CHAIN -j DROP"
}

# Runs iptables or ip6tables; "-w" waits for the xtables lock (dockerd holds it too).
ipt() {
  local family="$1"
  shift
  if [ "$family" = 6 ]; then ip6tables -w "$@"; else iptables -w "$@"; fi
}

has_family() {
  [ "$1" = 4 ] && return 0
  command -v ip6tables >/dev/null 2>&1 && ip6tables -w -S INPUT >/dev/null 2>&1
}

unhook() {
  local family="$1"
  while ipt "$family" -C DOCKER-USER -j "$FORWARD_CHAIN" 2>/dev/null; do
    ipt "$family" -D DOCKER-USER -j "$FORWARD_CHAIN"
  done
  while ipt "$family" -C INPUT -i "$ENV_IF" -j "$INPUT_CHAIN" 2>/dev/null; do
    ipt "$family" -D INPUT -i "$ENV_IF" -j "$INPUT_CHAIN"
  done
}

apply_family() {
  local family="$1" chain line
  for chain in "$FORWARD_CHAIN" "$INPUT_CHAIN"; do
    ipt "$family" -N "$chain" 2>/dev/null || ipt "$family" -F "$chain"
  done
  while read -r line; do
    # shellcheck disable=SC2086 # one rule's arguments
    ipt "$family" $line
  done < <(rules "$family")
  # DOCKER-USER exists once dockerd ran with iptables; made here when it has not yet.
  if ! ipt "$family" -S DOCKER-USER >/dev/null 2>&1; then
    ipt "$family" -N DOCKER-USER
    ipt "$family" -A DOCKER-USER -j RETURN
  fi
  ipt "$family" -C FORWARD -j DOCKER-USER 2>/dev/null || ipt "$family" -I FORWARD 1 -j DOCKER-USER
  unhook "$family"
  ipt "$family" -I DOCKER-USER 1 -j "$FORWARD_CHAIN"
  ipt "$family" -I INPUT 1 -i "$ENV_IF" -j "$INPUT_CHAIN"
}

remove_family() {
  local family="$1" chain
  unhook "$family"
  for chain in "$FORWARD_CHAIN" "$INPUT_CHAIN"; do
    ipt "$family" -F "$chain" 2>/dev/null || true
    ipt "$family" -X "$chain" 2>/dev/null || true
  done
}

case "$action" in
  print)
    echo "# IPv4 (iptables)"
    rules 4
    echo "# IPv6 (ip6tables)"
    rules 6
    ;;
  apply)
    for family in 4 6; do
      has_family "$family" && apply_family "$family"
    done
    ;;
  remove)
    for family in 4 6; do
      has_family "$family" && remove_family "$family"
    done
    ;;
  *) usage ;;
esac

# Installs Debian packages for the test setup and the demo. Sourced.
#
# Another apt-get (a package manager run by the machine, a second test run)
# may hold the dpkg lock or the package lists' lock: dpkg's lock is waited
# for (DPkg::Lock::Timeout), and "apt-get update", which does not wait for
# the lists' lock, is retried, so a busy machine delays the install instead
# of failing it half-way (a missing docker-compose once failed two tests).

APT_LOCK_TIMEOUT=${APT_LOCK_TIMEOUT:-300}

apt_install() {
  local deadline=$((SECONDS + APT_LOCK_TIMEOUT))
  until apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" update -qq >&2; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "apt: the package lists could not be updated within ${APT_LOCK_TIMEOUT} s" >&2
      return 1
    fi
    sleep 5
  done
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
    install -y -qq "$@" >&2
}

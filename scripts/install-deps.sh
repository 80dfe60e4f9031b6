#!/usr/bin/env bash
# Installs what promptreg needs to build and test, only when it is missing:
#   libgit2-dev, pkg-config and libcurl4-openssl-dev (Debian packages) for the build,
#   git (stock git, to check interoperability), GNU time (the benchmark's memory figure),
#   lighttpd (smart HTTP in the sync tests) with lighttpd-mod-openssl and openssl (HTTPS with a
#   self-signed certificate in the HTTPS remote tests), strace (which files a process opens),
#   curl and wrk (server tests), openssh-client (ssh-keygen: stock git's signature checks;
#   ssh-agent), openssh-server (sshd: the ssh remote tests), tinyproxy (the proxy tests),
#   Python's jsonschema + PyYAML for the schema tests, and openapi-spec-validator +
#   schemathesis (PyPI) for the server's API tests.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install-deps: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ! pkg-config --exists libgit2 2>/dev/null; then missing+=(libgit2-dev); fi
# The HTTP follower (promptreg-server) uses Foundation's URLSession: a --static-swift-stdlib
# build links libcurl itself and needs its development files.
if ! pkg-config --exists libcurl 2>/dev/null; then missing+=(libcurl4-openssl-dev); fi
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
[ -x /usr/bin/time ] || missing+=(time)   # GNU time: peak memory in the benchmark suite
[ -x /usr/sbin/lighttpd ] || command -v lighttpd >/dev/null || missing+=(lighttpd)   # serves git http-backend in the sync tests
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing+=(lighttpd-mod-openssl)   # lighttpd's TLS: the HTTPS remote tests
command -v openssl >/dev/null || missing+=(openssl)   # makes the HTTPS remote tests' self-signed certificate
command -v strace >/dev/null || missing+=(strace)     # the HTTPS remote tests check which files a process opens
command -v curl >/dev/null || missing+=(curl)   # the HTTP client of the server tests
command -v wrk >/dev/null || missing+=(wrk)     # load for the server's robustness tests and benchmark
command -v ssh-keygen >/dev/null || missing+=(openssh-client)   # stock git verifies SSH-signed commits with it; ssh-agent in the ssh remote tests
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)   # the ssh remote tests' own sshd on loopback
command -v tinyproxy >/dev/null || [ -x /usr/sbin/tinyproxy ] || missing+=(tinyproxy)   # the HTTP proxy of the proxy tests
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  echo "install-deps: installing jsonschema and PyYAML for the schema tests"
  python3 -m pip install --quiet jsonschema pyyaml 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages jsonschema pyyaml \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema python3-yaml >/dev/null
fi

if ! command -v openapi-spec-validator >/dev/null || ! command -v st >/dev/null; then
  echo "install-deps: installing openapi-spec-validator and schemathesis for the server tests"
  python3 -m pip install --quiet openapi-spec-validator schemathesis 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages openapi-spec-validator schemathesis
fi

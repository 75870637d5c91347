#!/usr/bin/env bash
# Installs the local engines the tests and `npm run dev` need, on Debian/Ubuntu, when missing:
# PostgreSQL 15 server binaries, redis-server, a Java 17 runtime (for DynamoDB Local), and the
# DejaVu fonts `npm run diagram` draws its PNGs with.
# Terraform (>= 1.10) is not a Debian package: install it from HashiCorp when `terraform` is missing.
set -euo pipefail

missing=()
[ -x "${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}/postgres" ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts a system redis/postgres after install; the harness runs its own on free ports.
  $sudo systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
fi

command -v terraform >/dev/null 2>&1 || {
  echo "terraform not found: install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)" >&2
  exit 1
}
echo "prerequisites present: postgres 15, redis-server, java, DejaVu fonts, terraform"

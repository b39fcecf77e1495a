#!/usr/bin/env bash
# Prints (never stores) the Secrets and the public-key ConfigMap an overlay references, with fresh
# random passwords and a fresh Ed25519 token key pair, as YAML for `kubectl apply -f -`:
#
#   k8s/tools/make-secrets.sh single-office | kubectl apply -f -
#   k8s/tools/make-secrets.sh province      | kubectl apply -f -
#
# Run it once per installation: a second run makes new passwords and a new signing key (every
# issued token becomes invalid, and the database roles keep their old passwords). Offline:
# kubectl only formats (--dry-run=client). Env: NAMESPACE (xuncha), ADMIN_PASSWORD (generated).
set -euo pipefail
overlay=${1:-}
case "$overlay" in
  single-office) db_host=postgresql ;;
  province) db_host=xuncha-pg-rw ;;
  *) echo "usage: $0 single-office|province" >&2; exit 2 ;;
esac
ns=${NAMESPACE:-xuncha}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

emit() { kubectl create --dry-run=client -o yaml -n "$ns" "$@"; echo "---"; }
random() { openssl rand -hex 24; }

openssl genpkey -algorithm ed25519 -out "$work/token_signing_key.pem" 2>/dev/null
openssl pkey -in "$work/token_signing_key.pem" -pubout -out "$work/token_public_key.pem"
emit secret generic xuncha-token-signing-key --from-file="$work/token_signing_key.pem"
emit configmap xuncha-token-public-key --from-file="$work/token_public_key.pem"
# The office's petition key pair (X25519, libsodium sealed boxes): the public half goes to
# fieldwork; the secret half is written to $PETITION_SECRET_OUT (default ./petition_secret_key,
# mode 600) for the custodian who reveals reporters' identities, and to nothing in the cluster.
openssl genpkey -algorithm x25519 -out "$work/petition_key.pem" 2>/dev/null
openssl pkey -in "$work/petition_key.pem" -pubout -outform DER | tail -c 32 | od -An -tx1 -v \
  | tr -d ' \n' > "$work/petition_public_key"
secret_out=${PETITION_SECRET_OUT:-./petition_secret_key}
openssl pkey -in "$work/petition_key.pem" -outform DER | tail -c 32 | od -An -tx1 -v \
  | tr -d ' \n' > "$secret_out"
echo "petition secret key for the custodian written to $secret_out (keep it off the cluster)" >&2
emit configmap xuncha-petition-public-key --from-file="$work/petition_public_key"
emit secret generic xuncha-admin-password --from-literal=password="${ADMIN_PASSWORD:-$(random)}"

role_files=()
for svc in directory planning fieldwork issues rectification clues webhooks; do
  password=$(random)
  # Hex passwords need no URL escaping.
  emit secret generic "$svc-db" \
    --from-literal=url="postgresql://$svc:$password@$db_host:5432/xuncha"
  if [ "$overlay" = province ]; then
    # CloudNativePG managed role: basic-auth Secret with the role's name and password.
    emit secret generic "$svc-db-role" --type=kubernetes.io/basic-auth \
      --from-literal=username="$svc" --from-literal=password="$password"
  else
    printf '%s' "$password" > "$work/$svc"
    role_files+=(--from-file="$svc=$work/$svc")
  fi
done
if [ "$overlay" = single-office ]; then
  emit secret generic postgresql-service-roles "${role_files[@]}"
  emit secret generic postgresql-superuser --from-literal=password="$(random)"
fi

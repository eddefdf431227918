#!/usr/bin/env bash
# mailstack.sh - real Postfix + Dovecot on loopback for the integration, workflow and e2e tests,
# the demo and the benchmarks of n8n-nodes-smtp-sequence. Adapted from the workplace's measured
# recipe (shared/mailstack); this copy is the project's own and is what tests and CI run.
#
# Usage (as root, Debian 12):
#   mailstack.sh start  [BASE]   install packages if missing, write config under BASE, start
#   mailstack.sh stop   [BASE]   stop both servers (leaves BASE on disk)
#   mailstack.sh status [BASE]   exit 0 if both servers are up (3: up, but started by an older layout of this script)
#   mailstack.sh kick USER [BASE]          drop USER's IMAP connections (test reconnect / mid-IDLE drop)
#   mailstack.sh restart-dovecot [BASE]    stop Dovecot (every IMAP session and LMTP delivery ends; Postfix
#                                          defers meanwhile), wait DOWN_SECONDS (default 1), start it again
#   mailstack.sh doveadm ARGS...         run doveadm against the instance in $MAILSTACK_BASE
#   mailstack.sh env    [BASE]   print connection settings as shell vars
#   mailstack.sh users  [BASE]   list the mailbox users (one address a line)
#   mailstack.sh seed USER MAILBOX COUNT [BASE]  bulk-load COUNT synthetic messages (maildir write)
#
# BASE defaults to $MAILSTACK_BASE or /tmp/smtp-sequence-mailstack. Ports / users via env:
#   IMAP_PORT=1143 IMAPS_PORT=1993 SMTP_PORT=1025 SUBMISSION_PORT=1587 SMTPS_PORT=1465
#   SMTPS_EXPIRED_PORT=1466 (implicit TLS with an expired certificate signed by the test CA)
#   OAUTH_PORT=1980 (the OAuth 2.0 authorization server Dovecot validates XOAUTH2/OAUTHBEARER tokens with)
#   certificate failure ports (TLS option tests), all on 127.0.0.1:
#   SMTPS_SELFSIGNED_WRONG_HOST_PORT=1467  implicit TLS, the self-signed leaf of SELFSIGNED_HOST (valid for 127.0.0.2 only)
#   SUBMISSION_WRONG_HOST_PORT=1468        STARTTLS, a certificate of the test CA for wrong-host.example.test only
#   SMTPS_SELFSIGNED_EXPIRED_PORT=1469     implicit TLS, a self-signed leaf for 127.0.0.1 that expired in 2021
#   SELFSIGNED_HOST=127.0.0.2  serves IMAP_PORT, IMAPS_PORT, SUBMISSION_PORT and SMTPS_PORT (same users, same mail)
#                    with a self-signed leaf certificate (not signed by the test CA) valid for that address
#   each also read as MAILSTACK_<NAME> (the names `env` prints and the tests read), so one set of
#   exported variables runs a second, independent stack for the script and the tests alike
#   MAILSTACK_DOMAIN=example.test MAILSTACK_USERS="alice bob carol" MAILSTACK_PASSWORD=secret
#   MAILSTACK_RESET=1  wipe BASE (mail, queue, logs) before start
#
# OAuth2: IMAP and SMTP (through Dovecot SASL) also accept XOAUTH2 and OAUTHBEARER with an access token
# from the loopback authorization server test/oauth-server/server.ts (oidc-provider), which this script
# starts too; Dovecot asks it about each token (RFC 7662 introspection). Passwords work as before.
#
# Failure-mode triggers (any domain, any local part prefix before optional +tag):
#   tempfail@...  -> SMTP "450 4.2.0" at RCPT      (temporary rejection)
#   reject@...    -> SMTP "550 5.7.1" at RCPT      (permanent rejection)
#   <unknown user>@$DOMAIN -> accepted by SMTP, rejected by Dovecot LMTP (550 5.1.1),
#                    Postfix sends a DSN bounce back to the envelope sender's INBOX
#   anything@<other domain> -> accepted, then bounced ("outbound mail disabled"); nothing leaves the host
set -euo pipefail

CMD=${1:-}; shift || true
BASE=${MAILSTACK_BASE:-/tmp/smtp-sequence-mailstack}
case $CMD in
  kick) KICK_USER=${1:?usage: kick USER [BASE]}; BASE=${2:-$BASE} ;;
  doveadm) ;;                       # remaining args go to doveadm; BASE from $MAILSTACK_BASE
  seed) SEED_USER=${1:?usage: seed USER MAILBOX COUNT [BASE]}; SEED_MBOX=${2:?mailbox}; SEED_N=${3:?count}; BASE=${4:-$BASE} ;;
  *) BASE=${1:-$BASE} ;;
esac
BASE=$(realpath -m "$BASE")

IMAP_PORT=${IMAP_PORT:-${MAILSTACK_IMAP_PORT:-1143}}
IMAPS_PORT=${IMAPS_PORT:-${MAILSTACK_IMAPS_PORT:-1993}}
SMTP_PORT=${SMTP_PORT:-${MAILSTACK_SMTP_PORT:-1025}}
SUBMISSION_PORT=${SUBMISSION_PORT:-${MAILSTACK_SUBMISSION_PORT:-1587}}
SMTPS_PORT=${SMTPS_PORT:-${MAILSTACK_SMTPS_PORT:-1465}}
SMTPS_EXPIRED_PORT=${SMTPS_EXPIRED_PORT:-${MAILSTACK_SMTPS_EXPIRED_PORT:-1466}}
OAUTH_PORT=${OAUTH_PORT:-${MAILSTACK_OAUTH_PORT:-1980}}
SMTPS_SELFSIGNED_WRONG_HOST_PORT=${SMTPS_SELFSIGNED_WRONG_HOST_PORT:-${MAILSTACK_SMTPS_SELFSIGNED_WRONG_HOST_PORT:-1467}}
SUBMISSION_WRONG_HOST_PORT=${SUBMISSION_WRONG_HOST_PORT:-${MAILSTACK_SUBMISSION_WRONG_HOST_PORT:-1468}}
SMTPS_SELFSIGNED_EXPIRED_PORT=${SMTPS_SELFSIGNED_EXPIRED_PORT:-${MAILSTACK_SMTPS_SELFSIGNED_EXPIRED_PORT:-1469}}
SELFSIGNED_HOST=${SELFSIGNED_HOST:-${MAILSTACK_SELFSIGNED_HOST:-127.0.0.2}}
DOMAIN=${MAILSTACK_DOMAIN:-example.test}
# many users, so that each test file can own its mailboxes (the mailbox is the ledger)
USERS=${MAILSTACK_USERS:-alice bob carol dave erin frank grace heidi ivan judy demo prospect1 prospect2 prospect3 colleague $(printf "u%02d " $(seq 1 99)) $(printf "u%03d " $(seq 100 300)) $(printf "s%02d " $(seq 1 30)) bench-aged bench-fresh bench-fresh10k bench-100k bench-catchup bench-agency}
# Exchange-Online-like users: their folders keep no custom keywords (PERMANENTFLAGS without \*), see
# the no-keyword ACL in write_config. Exchange answers "PERMANENTFLAGS (\Seen \Answered \Flagged \Deleted \Draft $MDNSent)".
NO_KEYWORD_USERS=${MAILSTACK_NO_KEYWORD_USERS:-$(printf "exo%02d " $(seq 1 10))}
# mdbox users: the same server with Dovecot's mdbox storage (messages in a few large files, no file per
# message). bench:scale measures the ledger read on both storages: on maildir Dovecot re-reads a big
# folder's whole directory after any change (docs/benchmarks.md, "What the aged folders cost the server").
MDBOX_USERS=${MAILSTACK_MDBOX_USERS:-bench-aged-mdbox bench-fresh-mdbox}
PASSWORD=${MAILSTACK_PASSWORD:-secret}
HOST=127.0.0.1
# Bumped whenever the generated configuration gains listeners or certificates: a running instance of an
# older layout counts as stopped for `status` (exit 3) and `start` restarts it with the new configuration.
LAYOUT=7

DCONF=$BASE/dovecot/dovecot.conf
PCONF=$BASE/postfix
RUN=$BASE/run            # dovecot base_dir (sockets)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OAUTH_DIR=$BASE/oauth    # the authorization server's pid file, log and Dovecot's introspection secret
log() { printf '[mailstack] %s\n' "$*" >&2; }

install_pkgs() {
  local need=()
  command -v dovecot >/dev/null || need+=(dovecot-imapd)
  [[ -x /usr/lib/dovecot/lmtp ]] || need+=(dovecot-lmtpd)
  command -v postfix >/dev/null || need+=(postfix)
  command -v openssl >/dev/null || need+=(openssl)
  ((${#need[@]})) || return 0
  log "installing ${need[*]}"
  local t0=$SECONDS
  # postfix: "No configuration" = no /etc/postfix/main.cf, no questions; man-db: skip index rebuild where honoured
  debconf-set-selections <<<"postfix postfix/main_mailer_type select No configuration"
  debconf-set-selections <<<"postfix postfix/mailname string mail.$DOMAIN"
  debconf-set-selections <<<"man-db man-db/auto-update boolean false"
  # keep the packages' *system* services from starting (they would grab 25/143/993):
  local tmp_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; tmp_policy=1
  fi
  if [[ ! -d /var/lib/apt/lists ]] || [[ -z $(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock) ]]; then
    apt-get update -q
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"${TMPDIR:-/tmp}/mailstack-apt.log" 2>&1 \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; }
  ((tmp_policy)) && rm -f /usr/sbin/policy-rc.d
  # on a systemd host that already had them enabled, make sure system instances are not running
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl disable --now dovecot.service dovecot.socket postfix.service >/dev/null 2>&1 || true
  fi
  log "packages installed in $((SECONDS - t0))s"
}

ensure_vmail() {
  # Dovecot refuses to access mail as root; use a dedicated unprivileged owner for all maildirs
  getent group vmail >/dev/null || groupadd --system vmail
  id vmail >/dev/null 2>&1 || useradd --system --gid vmail --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
}

# A private test CA signs a valid server certificate (every TLS port), an *expired* one
# (SMTPS_EXPIRED_PORT) and one for another host name (SUBMISSION_WRONG_HOST_PORT). Two self-signed leaf
# certificates, not signed by the CA: one for SELFSIGNED_HOST (also served on SMTPS_SELFSIGNED_WRONG_HOST_PORT
# of 127.0.0.1, where its address does not match), one for 127.0.0.1 that has expired. Tests trust ca.pem;
# "untrusted certificate" tests simply do not pass it. Only missing files are made, so an instance
# created by an older version of this script keeps its CA and gains the new certificates.
make_certs() {
  local t=$BASE/tls san="subjectAltName=DNS:localhost,DNS:mail.$DOMAIN,IP:127.0.0.1,IP:::1"
  mkdir -p "$t/ca-db"
  if [[ ! -s $t/ca.pem ]]; then
    : >"$t/ca-db/index.txt"; echo 1000 >"$t/ca-db/serial"
    printf '%s\n' '[ ca ]' 'default_ca = testca' '[ testca ]' "database = $t/ca-db/index.txt" "serial = $t/ca-db/serial" \
      "new_certs_dir = $t/ca-db" 'default_md = sha256' 'policy = any' 'copy_extensions = copy' 'unique_subject = no' \
      '[ any ]' 'commonName = supplied' >"$t/ca.cnf"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -keyout "$t/ca-key.pem" -out "$t/ca.pem" \
      -subj "/CN=smtp-sequence test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign" 2>/dev/null
    local name
    for name in server expired; do
      openssl req -newkey rsa:2048 -nodes -keyout "$t/$name-key.pem" -out "$t/$name.csr" -subj "/CN=localhost" -addext "$san" 2>/dev/null
    done
    openssl ca -batch -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca-key.pem" -in "$t/server.csr" -out "$t/cert.pem" -days 3650 -notext 2>/dev/null
    # expired in 2021: openssl ca takes explicit dates (openssl x509 on Debian 12 cannot back-date)
    openssl ca -batch -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca-key.pem" -in "$t/expired.csr" -out "$t/expired-cert.pem" \
      -startdate 200101000000Z -enddate 210101000000Z -notext 2>/dev/null
    mv "$t/server-key.pem" "$t/key.pem"
  fi
  if [[ ! -s $t/wronghost-cert.pem ]]; then
    openssl req -newkey rsa:2048 -nodes -keyout "$t/wronghost-key.pem" -out "$t/wronghost.csr" -subj "/CN=wrong-host.example.test" \
      -addext "subjectAltName=DNS:wrong-host.example.test" 2>/dev/null
    openssl ca -batch -config "$t/ca.cnf" -cert "$t/ca.pem" -keyfile "$t/ca-key.pem" -in "$t/wronghost.csr" -out "$t/wronghost-cert.pem" \
      -days 3650 -notext 2>/dev/null
  fi
  if [[ ! -s $t/selfsigned-cert.pem ]]; then
    # a leaf (CA:FALSE), as a small server's own certificate usually is
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -keyout "$t/selfsigned-key.pem" -out "$t/selfsigned-cert.pem" \
      -subj "/CN=$SELFSIGNED_HOST" -addext "subjectAltName=IP:$SELFSIGNED_HOST" \
      -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=digitalSignature,keyEncipherment" 2>/dev/null
  fi
  if [[ ! -s $t/selfsigned-expired-cert.pem ]]; then
    # openssl ca -selfsign signs the request with its own key, with explicit (past) dates
    openssl req -newkey rsa:2048 -nodes -keyout "$t/selfsigned-expired-key.pem" -out "$t/selfsigned-expired.csr" -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
    openssl ca -batch -selfsign -config "$t/ca.cnf" -keyfile "$t/selfsigned-expired-key.pem" -in "$t/selfsigned-expired.csr" \
      -out "$t/selfsigned-expired-cert.pem" -startdate 200101000000Z -enddate 210101000000Z -notext 2>/dev/null
  fi
  chmod 600 "$t"/*key.pem; chmod 644 "$t"/*cert.pem "$t/ca.pem"
  local f
  for f in cert expired-cert wronghost-cert selfsigned-cert selfsigned-expired-cert; do
    [[ -s $t/$f.pem ]] || { log "could not make $t/$f.pem"; return 1; }
  done
}

write_config() {
  local vuid vgid
  vuid=$(id -u vmail); vgid=$(id -g vmail)
  mkdir -p "$BASE"/{dovecot,tls,log,mail,postfix-spool,postfix-data} "$PCONF"
  chmod 755 "$BASE"                           # postfix/dovecot users must traverse it
  chown vmail:vmail "$BASE/mail"; chmod 770 "$BASE/mail"
  chown postfix:postfix "$BASE/postfix-data"   # master.lock etc. are created as mail_owner

  make_certs
  echo "$LAYOUT" >"$BASE/layout"

  # users: passwd-file serves as passdb and userdb (so unknown users are rejected by LMTP -> bounce)
  : >"$BASE/dovecot/users"
  for u in $USERS; do
    [[ $u == *@* ]] || u="$u@$DOMAIN"
    printf '%s:{PLAIN}%s::::::\n' "$u" "$PASSWORD" >>"$BASE/dovecot/users"
  done
  # No-keyword users: the acl plugin is on for them only (userdb extra field), and the global ACL file
  # grants every right except "w" ("write flags other than \Seen and \Deleted"): Dovecot then answers
  # PERMANENTFLAGS (\Deleted \Seen) without \*, and silently drops keywords on APPEND and STORE.
  # That is the property of Exchange Online that matters to us (no custom keywords); Exchange still
  # keeps \Answered \Flagged \Draft, which Dovecot's ACLs cannot separate from keywords.
  printf '%s\n' '* owner lrstipekxa' >"$BASE/dovecot/no-keyword-acl"
  for u in $NO_KEYWORD_USERS; do
    [[ $u == *@* ]] || u="$u@$DOMAIN"
    printf '%s:{PLAIN}%s::::::userdb_acl=vfile:%s\n' "$u" "$PASSWORD" "$BASE/dovecot/no-keyword-acl" >>"$BASE/dovecot/users"
  done
  for u in $MDBOX_USERS; do
    [[ $u == *@* ]] || u="$u@$DOMAIN"
    printf '%s:{PLAIN}%s::::::userdb_mail=mdbox:~/mdbox\n' "$u" "$PASSWORD" >>"$BASE/dovecot/users"
  done
  chown root:dovecot "$BASE/dovecot/users"; chmod 640 "$BASE/dovecot/users"

  # Dovecot's oauth2 passdb asks the authorization server about every token (RFC 7662, POST with HTTP
  # Basic client authentication from the URL's userinfo): active, issued for this user (sub), with the
  # mail scope. Dovecot 2.3 checks the token at login only; a session outlives its token.
  cat >"$BASE/dovecot/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = http://dovecot:$(oauth_secret)@$HOST:$OAUTH_PORT/token/introspection
force_introspection = yes
username_attribute = sub
active_attribute = active
active_value = true
scope = mail
timeout_msecs = 10000
EOF
  chown root:dovecot "$BASE/dovecot/oauth2.conf.ext"; chmod 640 "$BASE/dovecot/oauth2.conf.ext"

  cat >"$DCONF" <<EOF
# generated by mailstack.sh - self-contained, does not read /etc/dovecot
instance_name = mailstack-$(printf '%s' "$BASE" | md5sum | cut -c1-8)
base_dir = $RUN
state_dir = $BASE/dovecot/state
protocols = imap lmtp
listen = 127.0.0.1, $SELFSIGNED_HOST
log_path = $BASE/log/dovecot.log
info_log_path = $BASE/log/dovecot.log
# users that must exist (created by the Debian package)
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $vuid
last_valid_uid = $vuid

ssl = yes
ssl_cert = <$BASE/tls/cert.pem
ssl_key = <$BASE/tls/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_verbose = yes
# tests log in with wrong passwords on purpose, from several test files at once: no 2 s failure delay
# and no per-IP penalty growing to 15 s (anvil), which would make those tests slow and flaky
auth_failure_delay = 0

# passwords for PLAIN/LOGIN only, tokens for XOAUTH2/OAUTHBEARER only: a wrong password never reaches
# the authorization server, and a token is never compared with a password
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%Lu $BASE/dovecot/users
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $BASE/dovecot/oauth2.conf.ext
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $BASE/dovecot/users
  default_fields = uid=$vuid gid=$vgid home=$BASE/mail/%Ld/%Ln
}

mail_location = maildir:~/Maildir
# active only for users whose userdb sets "acl" (the no-keyword users above)
mail_plugins = acl
mail_fsync = never
maildir_very_dirty_syncs = yes
mailbox_idle_check_interval = 1 secs
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
postmaster_address = postmaster@$DOMAIN
hostname = mail.$DOMAIN

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
  inet_listener imap_selfsigned {
    address = $SELFSIGNED_HOST
    port = $IMAP_PORT
  }
  inet_listener imaps_selfsigned {
    address = $SELFSIGNED_HOST
    port = $IMAPS_PORT
    ssl = yes
  }
}
# the same service on SELFSIGNED_HOST presents a self-signed certificate
local $SELFSIGNED_HOST {
  ssl_cert = <$BASE/tls/selfsigned-cert.pem
  ssl_key = <$BASE/tls/selfsigned-key.pem
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service doveadm {
  unix_listener doveadm-server {
    mode = 0600
  }
}
# Dovecot's default (10 per user and client address), as a real mailbox has: tests and benchmarks must
# live within it (docs/design.md, "Connections per mailbox")
protocol imap {
  mail_max_userip_connections = 10
}
EOF

  # ---------------- postfix ----------------
  cat >"$PCONF/recipient_access" <<'EOF'
# Simulated failure modes (regexp table). Applies to every SMTP port.
/^tempfail(\+[^@]*)?@/   450 4.2.0 Simulated temporary failure, try again later
/^reject(\+[^@]*)?@/     550 5.7.1 Simulated permanent rejection
EOF
  cat >"$PCONF/main.cf" <<EOF
# generated by mailstack.sh
compatibility_level = 3.6
queue_directory = $BASE/postfix-spool
data_directory = $BASE/postfix-data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $BASE/log/postfix.log
# default maillog_file_prefixes only allows /var and /dev/stdout (NB: no inline comments in main.cf)
maillog_file_prefixes = $BASE
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
biff = no
append_dot_mydomain = no
recipient_delimiter = +
alias_maps =
alias_database =
local_recipient_maps =
# everything for \$DOMAIN goes to Dovecot over LMTP (unix socket, no chroot)
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps =
virtual_alias_maps =
virtual_transport = lmtp:unix:$RUN/lmtp
# nothing ever leaves this host
local_transport = error:5.1.1 local delivery disabled
default_transport = error:5.4.4 outbound mail disabled in test stack
relay_transport = error:5.4.4 outbound mail disabled in test stack
# fast retries for deferred mail in tests
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s
bounce_queue_lifetime = 1h
maximal_queue_lifetime = 1h
delay_warning_time = 0
# TLS
smtpd_tls_cert_file = $BASE/tls/cert.pem
smtpd_tls_key_file = $BASE/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 0
smtp_tls_security_level = none
# SASL via Dovecot auth
smtpd_sasl_type = dovecot
smtpd_sasl_path = $RUN/auth-postfix
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = no
broken_sasl_auth_clients = yes
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access regexp:$PCONF/recipient_access, permit
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_rate_limit = 0
message_size_limit = 52428800
smtputf8_enable = no
EOF
  cat >"$PCONF/master.cf" <<EOF
# generated by mailstack.sh - all services unchrooted (chroot column = n)
$HOST:$SMTP_PORT      inet  n - n - - smtpd
$HOST:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SMTPS_PORT     inet  n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SMTPS_EXPIRED_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps-expired
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_cert_file=$BASE/tls/expired-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/expired-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SMTPS_SELFSIGNED_WRONG_HOST_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps-selfsigned-wrong-host
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_cert_file=$BASE/tls/selfsigned-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/selfsigned-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SUBMISSION_WRONG_HOST_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission-wrong-host
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_tls_cert_file=$BASE/tls/wronghost-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/wronghost-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SMTPS_SELFSIGNED_EXPIRED_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps-selfsigned-expired
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_cert_file=$BASE/tls/selfsigned-expired-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/selfsigned-expired-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$SELFSIGNED_HOST:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission-selfsigned
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_tls_cert_file=$BASE/tls/selfsigned-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/selfsigned-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$SELFSIGNED_HOST:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps-selfsigned
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_cert_file=$BASE/tls/selfsigned-cert.pem
  -o smtpd_tls_key_file=$BASE/tls/selfsigned-key.pem
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
lmtp      unix  - - n -  - lmtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  # Postfix refuses to use a main.cf/table modified within the last second or so and sleeps
  # in 300 ms steps until it is "old enough" (~1.5-2.5 s per start). Backdate our fresh files.
  touch -d "@$(($(date +%s) - 10))" "$PCONF"/main.cf "$PCONF"/master.cf "$PCONF"/recipient_access
}

wait_port() { # port [host] [timeout_s]
  local i host=${2:-$HOST}
  for ((i = 0; i < ${3:-10} * 50; i++)); do
    (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  log "port $host:$1 did not come up"; return 1
}

# Dovecot's client secret at the authorization server (kept per BASE, so a restart keeps it).
oauth_secret() {
  mkdir -p "$OAUTH_DIR"
  [[ -s $OAUTH_DIR/introspection-secret ]] || { openssl rand -hex 24 >"$OAUTH_DIR/introspection-secret"; chmod 600 "$OAUTH_DIR/introspection-secret"; }
  cat "$OAUTH_DIR/introspection-secret"
}

oauth_installed() { [[ -d $REPO/node_modules/oidc-provider && -d $REPO/node_modules/tsx ]]; }
oauth_running() { [[ -f $OAUTH_DIR/server.pid ]] && kill -0 "$(cat "$OAUTH_DIR/server.pid")" 2>/dev/null; }

# The authorization server runs from the repository's node_modules (a dev dependency); its tokens and
# clients live in memory, so tests register their own client and get their tokens after it started.
start_oauth() {
  oauth_running && return 0
  if ! oauth_installed; then
    log "OAuth2 authorization server not started: run 'npm ci' in $REPO first (XOAUTH2 logins fail until then)"
    return 0
  fi
  if (exec 3<>"/dev/tcp/$HOST/$OAUTH_PORT") 2>/dev/null; then log "port $OAUTH_PORT already in use (another instance?)"; return 1; fi
  mkdir -p "$BASE/log"
  local secret; secret=$(oauth_secret)
  # setsid + no inherited stdio: the server outlives the shell or jest process that started it, like Dovecot
  (
    cd "$REPO" || exit 1
    export OAUTH_PORT OAUTH_USERS_FILE=$BASE/dovecot/users OAUTH_INTROSPECTION_SECRET=$secret
    exec setsid node --import tsx test/oauth-server/server.ts
  ) </dev/null >>"$BASE/log/oauth.log" 2>&1 &
  echo $! >"$OAUTH_DIR/server.pid"
  wait_port "$OAUTH_PORT" 60 || { tail -20 "$BASE/log/oauth.log" >&2; return 1; }
}

stop_oauth() {
  oauth_running || return 0
  local pid; pid=$(cat "$OAUTH_DIR/server.pid")
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$OAUTH_DIR/server.pid"
}

dovecot_running() { [[ -f $RUN/master.pid ]] && kill -0 "$(cat "$RUN/master.pid")" 2>/dev/null; }
postfix_pidfile() { echo "$BASE/postfix-spool/pid/master.pid"; }
postfix_running() { local f; f=$(postfix_pidfile); [[ -f $f ]] && kill -0 "$(tr -d ' ' <"$f")" 2>/dev/null; }
layout_current() { [[ $(cat "$BASE/layout" 2>/dev/null) == "$LAYOUT" ]]; }

start() {
  install_pkgs
  ensure_vmail
  if dovecot_running || postfix_running; then
    if layout_current; then
      # a stack started before OAuth2 existed: add the token passdb and the authorization server in place
      if dovecot_running && ! grep -q 'driver = oauth2' "$DCONF"; then
        log "adding OAuth2 (XOAUTH2/OAUTHBEARER) to the running stack"
        write_config
        doveadm -c "$DCONF" reload
      fi
      start_oauth
      log "already running under $BASE (stop first)"; status; return 0
    fi
    log "running under $BASE with an older configuration layout: restarting with layout $LAYOUT"
    stop
  fi
  local p
  for p in "$IMAP_PORT" "$IMAPS_PORT" "$SMTP_PORT" "$SUBMISSION_PORT" "$SMTPS_PORT" "$SMTPS_EXPIRED_PORT" "$OAUTH_PORT" \
    "$SMTPS_SELFSIGNED_WRONG_HOST_PORT" "$SUBMISSION_WRONG_HOST_PORT" "$SMTPS_SELFSIGNED_EXPIRED_PORT"; do
    if (exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null; then log "port $p already in use (another instance?)"; return 1; fi
  done
  for p in "$IMAP_PORT" "$IMAPS_PORT" "$SUBMISSION_PORT" "$SMTPS_PORT"; do
    if (exec 3<>"/dev/tcp/$SELFSIGNED_HOST/$p") 2>/dev/null; then log "port $SELFSIGNED_HOST:$p already in use (another instance?)"; return 1; fi
  done
  [[ ${MAILSTACK_RESET:-0} == 1 ]] && rm -rf "$BASE"
  write_config
  local t0; t0=$(date +%s%N)
  start_oauth || return 1
  # NB: daemons must not inherit our stdout/stderr, or `mailstack.sh start | tee` never sees EOF
  dovecot -c "$DCONF" </dev/null >>"$BASE/log/startup.log" 2>&1 \
    || { tail -20 "$BASE/log/startup.log" "$BASE/log/dovecot.log" >&2; return 1; }
  # 'postfix start' goes through postfix-script (~1 s of checks); run it only on a fresh spool
  # (it creates the queue dirs with the right owners), otherwise start master directly (~60 ms).
  if [[ ! -d $BASE/postfix-spool/active ]]; then
    postfix -c "$PCONF" start </dev/null >>"$BASE/log/startup.log" 2>&1 || { tail -20 "$BASE/log/postfix.log" >&2; stop; return 1; }
  else
    MAIL_CONFIG=$PCONF "$(postconf -d -h daemon_directory)/master" -c "$PCONF" -w \
      </dev/null >>"$BASE/log/startup.log" 2>&1 \
      || { tail -20 "$BASE/log/postfix.log" >&2; stop; return 1; }
  fi
  wait_port "$IMAP_PORT" && wait_port "$IMAPS_PORT" && wait_port "$SMTP_PORT" && wait_port "$SUBMISSION_PORT" && wait_port "$SMTPS_PORT"
  wait_port "$SMTPS_SELFSIGNED_WRONG_HOST_PORT" && wait_port "$SUBMISSION_WRONG_HOST_PORT" && wait_port "$SMTPS_SELFSIGNED_EXPIRED_PORT"
  for p in "$IMAP_PORT" "$IMAPS_PORT" "$SUBMISSION_PORT" "$SMTPS_PORT"; do wait_port "$p" "$SELFSIGNED_HOST" || return 1; done
  [[ -S $RUN/lmtp && -S $RUN/auth-postfix ]] || { log "dovecot sockets missing"; return 1; }
  log "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms (base $BASE)"
  print_env
}

stop() {
  local pid pids=()
  stop_oauth
  if postfix_running; then
    pid=$(tr -d ' ' <"$(postfix_pidfile)"); pids+=("$pid")
    postfix -c "$PCONF" stop >/dev/null 2>&1 || kill -TERM "$pid"
  fi
  if dovecot_running; then
    pid=$(cat "$RUN/master.pid"); pids+=("$pid")
    kill -TERM "$pid"             # same as 'dovecot stop'; master needs ~2 s to reap its children
  fi
  for pid in "${pids[@]}"; do
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid still alive, sending KILL"; kill -KILL "$pid"; }
  done
  log "stopped"
}

# A real restart of Dovecot alone, as a server upgrade or crash-and-respawn would do it (npm run chaos).
restart_dovecot() {
  dovecot_running || { log "dovecot is not running under $BASE"; return 1; }
  local pid; pid=$(cat "$RUN/master.pid")
  kill -TERM "$pid"
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && { log "dovecot pid $pid still alive, sending KILL"; kill -KILL "$pid"; }
  sleep "${DOWN_SECONDS:-1}"
  dovecot -c "$DCONF" </dev/null >>"$BASE/log/startup.log" 2>&1 \
    || { tail -20 "$BASE/log/startup.log" "$BASE/log/dovecot.log" >&2; return 1; }
  wait_port "$IMAP_PORT" && wait_port "$IMAPS_PORT"
  # deliveries deferred while LMTP was down: retry them now rather than at the next queue run
  postqueue -c "$PCONF" -f >/dev/null 2>&1 || true
}

status() {
  local rc=0
  if dovecot_running; then echo "dovecot: running (pid $(cat "$RUN/master.pid"))"; else echo "dovecot: stopped"; rc=1; fi
  if postfix_running; then echo "postfix: running (pid $(tr -d ' ' <"$(postfix_pidfile)"))"; else echo "postfix: stopped"; rc=1; fi
  if oauth_running; then echo "oauth: running (pid $(cat "$OAUTH_DIR/server.pid"), http://$HOST:$OAUTH_PORT)"
  elif oauth_installed; then echo "oauth: stopped"; rc=1
  else echo "oauth: not installed (run npm ci; only the OAuth2 tests need it)"; fi
  if ((rc == 0)) && ! layout_current; then
    echo "configuration: layout $(cat "$BASE/layout" 2>/dev/null || echo 1), this script writes $LAYOUT ('start' restarts it)"; rc=3
  fi
  return $rc
}

# Bulk-load COUNT synthetic messages straight into USER's maildir (much faster than APPEND/SMTP/doveadm import:
# ~50k msgs in a few seconds), then let Dovecot index them. Safe while Dovecot runs (tmp/ -> cur/ rename).
seed() {
  local user=$1 mbox=$2 n=$3 md dir
  [[ $user == *@* ]] || user="$user@$DOMAIN"
  md=$BASE/mail/${user#*@}/${user%@*}/Maildir
  if [[ $mbox == INBOX ]]; then dir=$md; else dir=$md/.${mbox//\//.}; fi
  mkdir -p "$dir"/{cur,new,tmp}; [[ $dir == "$md" ]] || touch "$dir/maildirfolder"
  LC_ALL=C perl -MPOSIX=strftime -e '
    my ($dir, $n, $to) = @ARGV; my $t0 = time() - $n;
    for my $i (0 .. $n - 1) {
      my $t = $t0 + $i; my $date = strftime("%a, %d %b %Y %H:%M:%S +0000", gmtime($t));
      my $m = "From: Lead $i <lead$i\@remote.test>\r\nTo: $to\r\nSubject: Seed message $i\r\nDate: $date\r\n"
            . "Message-ID: <seed-$i-$t0\@remote.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            . "Seed body $i\r\n";
      my $name = "$t.M${i}P$$.seed,S=" . length($m) . ":2,";
      open(my $f, ">", "$dir/tmp/$name") or die "$!"; print $f $m; close $f;
      utime $t, $t, "$dir/tmp/$name"; rename("$dir/tmp/$name", "$dir/cur/$name") or die "$!";
    }' "$dir" "$n" "$user"
  chown -R vmail:vmail "$md"
  doveadm -c "$DCONF" mailbox subscribe -u "$user" "$mbox" 2>/dev/null || true
  doveadm -c "$DCONF" mailbox status -u "$user" "messages unseen uidnext" "$mbox"   # builds the index
}

print_env() {
  cat <<EOF
MAILSTACK_BASE=$BASE
MAILSTACK_HOST=$HOST
MAILSTACK_DOMAIN=$DOMAIN
MAILSTACK_IMAP_PORT=$IMAP_PORT
MAILSTACK_IMAPS_PORT=$IMAPS_PORT
MAILSTACK_SMTP_PORT=$SMTP_PORT
MAILSTACK_SUBMISSION_PORT=$SUBMISSION_PORT
MAILSTACK_SMTPS_PORT=$SMTPS_PORT
MAILSTACK_SMTPS_SELFSIGNED_WRONG_HOST_PORT=$SMTPS_SELFSIGNED_WRONG_HOST_PORT
MAILSTACK_SUBMISSION_WRONG_HOST_PORT=$SUBMISSION_WRONG_HOST_PORT
MAILSTACK_SMTPS_SELFSIGNED_EXPIRED_PORT=$SMTPS_SELFSIGNED_EXPIRED_PORT
MAILSTACK_SELFSIGNED_HOST=$SELFSIGNED_HOST
MAILSTACK_SMTPS_EXPIRED_PORT=$SMTPS_EXPIRED_PORT
MAILSTACK_CA=$BASE/tls/ca.pem
MAILSTACK_PASSWORD=$PASSWORD
MAILSTACK_OAUTH_PORT=$OAUTH_PORT
MAILSTACK_OAUTH_URL=http://$HOST:$OAUTH_PORT
EOF
}

case $CMD in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  kick) doveadm -c "$DCONF" kick "$KICK_USER" ;;
  restart-dovecot) restart_dovecot ;;
  seed) seed "$SEED_USER" "$SEED_MBOX" "$SEED_N" ;;
  doveadm) doveadm -c "$DCONF" "$@" ;;
  users) cut -d: -f1 "$BASE/dovecot/users" ;;
  *) sed -n '2,40p' "$0"; exit 2 ;;
esac

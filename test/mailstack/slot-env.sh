#!/usr/bin/env bash
# slot-env.sh N - prints `export` lines for an independent test mail stack number N (2-9), so several
# checkouts can run `npm test` at the same time without sharing mailboxes:
#   eval "$(bash test/mailstack/slot-env.sh 3)" && bash test/mailstack/mailstack.sh start && npm test
# Slot N uses ports N143 N993 N025 N587 N465 N466 N467 N468 N469 (mail; the four mail ports N143 N993
# N587 N465 also on 127.0.0.2), N980 (OAuth2 authorization server) and /tmp/smtp-sequence-mailstack-N.
# With no slot (or slot 1) the defaults apply: 1143 1993 1025 1587 1465 1466 1467 1468 1469 1980,
# /tmp/smtp-sequence-mailstack.
set -euo pipefail
n=${1:?usage: slot-env.sh N (2-9)}
[[ $n =~ ^[2-9]$ ]] || { echo "slot must be 2-9" >&2; exit 2; }
base=/tmp/smtp-sequence-mailstack-$n
cat <<ENV
export MAILSTACK_BASE=$base
export MAILSTACK_IMAP_PORT=${n}143 MAILSTACK_IMAPS_PORT=${n}993 MAILSTACK_SMTP_PORT=${n}025
export MAILSTACK_SUBMISSION_PORT=${n}587 MAILSTACK_SMTPS_PORT=${n}465 MAILSTACK_SMTPS_EXPIRED_PORT=${n}466
export MAILSTACK_SMTPS_SELFSIGNED_WRONG_HOST_PORT=${n}467 MAILSTACK_SUBMISSION_WRONG_HOST_PORT=${n}468 MAILSTACK_SMTPS_SELFSIGNED_EXPIRED_PORT=${n}469
export MAILSTACK_OAUTH_PORT=${n}980
export MAILSTACK_CA=$base/tls/ca.pem
ENV

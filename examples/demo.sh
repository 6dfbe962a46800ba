#!/usr/bin/env bash
# End-to-end demo on made-up data, non-interactive: create a vault, paste backup codes the way
# services print them, import TOTP seeds from an authenticator export, use a code, print a
# verified paper kit, restore from it as if the laptop were gone, merge the two copies back
# together, and change the passphrase.
# Everything happens in a temporary directory that is removed at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

export RVAULT_FILE="$work/demo.rvault"
# Scripts give the passphrase in a file (never on the command line, where `ps` shows it).
printf '%s\n' 'demo: orbit velvet canyon lantern' > "$work/passphrase"
export RVAULT_PASSPHRASE_FILE="$work/passphrase"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

# RFC 9106's second recommended option: the minimum rvault accepts without --weak-kdf.
# A real vault uses `rvault init` alone: 256 MiB and about one second per unlock.
step rvault init --kdf-memory 64 --kdf-time 3
step rvault add GitHub --kind backup-codes --account octocat --from-file "$here/github-recovery-codes.txt"
step rvault add Google --kind backup-codes --account demo@example.com --from-file "$here/google-backup-codes.txt"
step rvault add "Microsoft account" --kind recovery-key --from-file "$here/microsoft-recovery-code.txt"
step rvault add "Laptop BitLocker" --kind recovery-key --from-file "$here/bitlocker-recovery-key.txt"
step rvault add 1Password --kind recovery-key --from-file "$here/1password-secret-key.txt"
# TOTP seeds from an authenticator app's export (here a made-up Aegis file), then a code.
# An export is plaintext: import it, then delete it.
cp "$here/aegis-export.json" "$work/aegis-export.json"
step rvault import "$work/aegis-export.json" --yes
rm "$work/aegis-export.json"
step rvault totp "Example Bank"
step rvault list
step rvault use GitHub
step rvault list
step rvault show "Laptop BitLocker"
step rvault info

# The paper kit: a PDF of QR codes (and typeable text), proven to restore before it is kept.
step rvault kit --out "$work/recovery-kit.pdf"
# After losing the laptop: rebuild the vault from the kit (here the PDF; photos work too).
step rvault restore "$work/recovery-kit.pdf" --out "$work/restored.rvault"
step rvault --vault "$work/restored.rvault" list
step rvault --vault "$work/restored.rvault" totp "Example Bank"
# Two copies now live apart (as a sync client's conflict copy would): a code used in each.
step rvault --vault "$work/restored.rvault" use Google
step rvault use GitHub
# Merge brings both copies' changes together (it asks first without --yes).
step rvault merge "$work/restored.rvault" --yes
step rvault list

printf '%s\n' 'demo: a brand new passphrase' > "$work/new-passphrase"
step rvault passwd --new-passphrase-file "$work/new-passphrase"
export RVAULT_PASSPHRASE_FILE="$work/new-passphrase"
step rvault list

printf '\nDemo finished: stored, imported, used, printed, restored, merged and re-keyed. (Temporary files removed.)\n'

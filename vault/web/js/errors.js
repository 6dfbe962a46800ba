// The errors a reader reports, named exactly like rvault's Python classes (vault/errors.py),
// so the page and the CLI agree on every outcome (docs/FORMAT.md section 6). err.name is the
// class name; err.message is one plain sentence for the person and err.hint what to do,
// both in the library's words (the hints are vault/errors.py's class defaults).

export class VaultError extends Error {
  constructor(message, hint = "") {
    super(message);
    this.name = "VaultError";
    this.hint = hint;
  }
}

// Wrong passphrase, wrong recovery key, a tampered slot or payload: one opaque error, so the
// page never tells an attacker which part failed.
export class AuthenticationFailed extends VaultError {
  constructor(
    message = "wrong passphrase or key, or the vault was altered",
    hint = "check the passphrase (it is case-sensitive); nothing was changed",
  ) {
    super(message, hint);
    this.name = "AuthenticationFailed";
  }
}

// Input that cannot be used: damaged, malformed, mistyped.
export class InvalidData extends VaultError {
  constructor(message, hint = "") {
    super(message, hint);
    this.name = "InvalidData";
  }
}

// The vault file is damaged (checksum or structure); no key was tried.
export class CorruptVault extends InvalidData {
  constructor(message, hint = "restore from <vault>.bak or from your paper kit") {
    super(message, hint);
    this.name = "CorruptVault";
  }
}

// Written by a newer rvault, or a feature this version does not know.
export class Unsupported extends InvalidData {
  constructor(message, hint = "upgrade rvault to open this file") {
    super(message, hint);
    this.name = "Unsupported";
  }
}

// More memory, time or size than rvault allows: refused before any work, it may be forged.
export class LimitExceeded extends InvalidData {
  constructor(message, hint = "rvault never runs a key derivation above its caps; see docs/FORMAT.md") {
    super(message, hint);
    this.name = "LimitExceeded";
  }
}

// Something the person must supply is not there (for example a vault copy without the
// recovery-key slot that a printed key or shares would open).
export class MissingInput extends VaultError {
  constructor(message, hint = "") {
    super(message, hint);
    this.name = "MissingInput";
  }
}

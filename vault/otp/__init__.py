"""TOTP: codes and settings, otpauth:// links, authenticator imports."""

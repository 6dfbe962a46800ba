"""Test support: kit helpers, degradation models, OTP fixtures, the independent decryptor."""

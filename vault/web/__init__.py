"""The browser restore page: ES modules, vendored Argon2, and the Python that inlines them."""

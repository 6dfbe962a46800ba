// Argon2id over the vendored hash-wasm build (vault/web/vendor/hash-wasm), single-threaded:
// a file:// page cannot have SharedArrayBuffer. The page loads the build as a classic script
// (it defines globalThis.hashwasm); Node tests load the same file and set the global.

export async function argon2id({ password, salt, iterations, memoryKib, parallelism }) {
  const impl = globalThis.hashwasm;
  if (!impl || typeof impl.argon2id !== "function") {
    throw new Error("the Argon2 code is missing from this page");
  }
  return impl.argon2id({
    password,
    salt,
    iterations,
    parallelism,
    memorySize: memoryKib,
    hashLength: 32,
    outputType: "binary",
  });
}

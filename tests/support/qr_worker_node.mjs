// vault/web/js/qr_worker.js in a Node worker thread, for tests/support/qr_runner.mjs: gives
// the thread what a browser's worker global scope has (addEventListener and postMessage on
// the global, the zxing-wasm glue run as a classic script), then loads the worker unchanged.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { parentPort } from "node:worker_threads";

if (!globalThis.crypto?.subtle) globalThis.crypto = (await import("node:crypto")).webcrypto;

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "vault", "web");
// No network here either: an attempt would fail the test through the runner's count... and
// here it fails loudly, so it cannot go unnoticed.
globalThis.fetch = async (url) => {
  throw new Error(`the QR worker tried to fetch ${url}`);
};
globalThis.postMessage = (message) => parentPort.postMessage(message);
globalThis.addEventListener = (type, listener) => {
  if (type === "message") parentPort.on("message", (data) => listener({ data }));
};
const glue = join(root, "vendor", "zxing-wasm", "index.js");
vm.runInThisContext(readFileSync(glue, "utf8"), { filename: glue });
await import(join(root, "js", "qr_worker.js"));

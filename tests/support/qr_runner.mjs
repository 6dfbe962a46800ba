// Runs the page's QR reader (vault/web/js/qr.js over the vendored zxing-wasm) in Node for
// tests/test_web_qr.py and bench/web_qr.py: reads a JSON array of requests on stdin, answers
// a JSON array of results on stdout. Images come as files (raw grey or RGBA pixels, or PNG
// and JPEG bytes), since a 300 dpi page is 9-35 MB of pixels.
//
// Every way the glue could reach the network is replaced by a recorder before it loads, and
// each answer lists the attempts made while it ran: the page must make none.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { Worker } from "node:worker_threads";

if (!globalThis.crypto?.subtle) globalThis.crypto = (await import("node:crypto")).webcrypto;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "vault", "web");
const glue = join(root, "vendor", "zxing-wasm", "index.js");
const wasmPath = join(root, "vendor", "zxing-wasm", "zxing_reader.wasm");

const network = [];
globalThis.fetch = async (url) => {
  network.push(`fetch ${url}`);
  throw new TypeError("no network in the QR tests");
};
globalThis.XMLHttpRequest = class {
  open(method, url) {
    network.push(`xhr ${url}`);
  }
  send() {
    throw new TypeError("no network in the QR tests");
  }
};

// The glue is a classic script (var ZXingWASM = ...), as the page's worker runs it.
vm.runInThisContext(readFileSync(glue, "utf8"), { filename: glue });
const { PASSES, createReader, decodeImage } = await import(join(root, "js", "qr.js"));
const { PREPARE, grayOf } = await import(join(root, "js", "qr_image.js"));
const { RestoreSession, enoughCodes } = await import(join(root, "js", "restore.js"));

const to64 = (bytes) => Buffer.from(bytes).toString("base64");
let reader = null;
let initMs = null;

async function theReader() {
  if (!reader) {
    const started = performance.now();
    reader = await createReader(globalThis.ZXingWASM, readFileSync(wasmPath));
    initMs = performance.now() - started;
  }
  return reader;
}

// {path, kind: "gray" | "rgba" | "encoded", width, height} -> what decodeImage takes.
function loadImage({ path, kind, width, height }) {
  if (kind === "empty") return { data: new Uint8Array(0), width, height }; // sizes alone
  const bytes = new Uint8Array(readFileSync(path));
  if (kind === "encoded") return bytes;
  if (kind === "blob") return new Blob([bytes]);
  return { data: kind === "rgba" ? new Uint8ClampedArray(bytes.buffer) : bytes, width, height };
}

function failure(err) {
  if (!err || !["InvalidData", "LimitExceeded"].includes(err.name)) throw err;
  return { error: err.name, message: err.message, hint: err.hint };
}

const ops = {
  // The control for the network count: the glue as shipped, asked to read before anyone
  // gave it its wasm, goes to its CDN for it (refused here). Run it before any reader.
  async cdn_control() {
    if (reader) throw new Error("cdn_control must come before the reader starts");
    try {
      await globalThis.ZXingWASM.readBarcodes({ data: new Uint8ClampedArray(4), width: 1, height: 1 });
    } catch {
      // expected: the download was refused
    }
    return {};
  },
  async init() {
    await theReader();
    return { initMs };
  },
  // One image, every pass it needs; ms is the decode alone (the reader already started).
  async decode({ image, expect = null, maxPasses, held = null, kitId = null }) {
    const qr = await theReader();
    const input = loadImage(image);
    const started = performance.now();
    // held, as the page's worker gets it: the codes already read, to stop once complete.
    const enough = held ? (texts) => enoughCodes([...held, ...texts], kitId) : null;
    try {
      const found = await decodeImage(qr, input, { expect, maxPasses, enough });
      return { ...found, ms: performance.now() - started };
    } catch (err) {
      return failure(err);
    }
  },
  passes() {
    return { passes: PASSES };
  },
  // Every pass's prepared image, each written to folder/<pass name>.gray: the pixels the
  // reader gives zxing-cpp, to compare with what the CLI's passes prepare.
  async prepare({ image, folder }) {
    const gray = grayOf(loadImage(image));
    const out = {};
    for (const [name, prepare] of Object.entries(PREPARE)) {
      const prepared = prepare(gray);
      if (!prepared) continue;
      writeFileSync(join(folder, `${name}.gray`), prepared.gray);
      out[name] = { width: prepared.width, height: prepared.height, scale: prepared.scale ?? 1 };
    }
    return { prepared: out };
  },
  // Images read in turn into one RestoreSession, as the page does; the vault it rebuilds.
  async restore({ images, kitId = null }) {
    const qr = await theReader();
    const session = new RestoreSession();
    const pages = [];
    for (const [n, image] of images.entries()) {
      const { texts } = await decodeImage(qr, loadImage(image));
      for (const text of texts) await session.addText(text, `image ${n + 1}`);
      pages.push(texts);
    }
    const out = { pages, status: session.status(kitId), missing: session.missingText(kitId) };
    try {
      out.vault = to64(await session.finish(kitId));
    } catch (err) {
      Object.assign(out, failure(err));
    }
    return out;
  },
  // The worker script in a real thread (tests/support/qr_worker_node.mjs gives it a worker's
  // global scope): every message it sends, in order, for these decode requests.
  async worker({ images, cancel = [], wasm = "file" }) {
    const worker = new Worker(join(here, "qr_worker_node.mjs"));
    const messages = [];
    const done = new Promise((resolve, reject) => {
      let answers = 0;
      worker.on("error", reject);
      worker.on("message", (message) => {
        messages.push(message);
        if (message.type === "ready") {
          // Cancels go first, so that they are in before their image's turn comes whatever
          // the timing (messages arrive in order); the worker is then busy with the others.
          for (const id of cancel) worker.postMessage({ type: "cancel", id });
          for (const [id, image] of images.entries()) worker.postMessage({ type: "decode", id, image: loadImage(image) });
        }
        if (message.type === "result" || message.type === "error") answers += 1;
        if (answers === (message.id === null ? 1 : images.length)) resolve();
      });
    });
    const bytes = new Uint8Array(readFileSync(wasmPath));
    if (wasm === "damaged") bytes[1000] ^= 1;
    worker.postMessage({ type: "init", wasm: bytes }, [bytes.buffer]);
    await done;
    await worker.terminate();
    return { messages };
  },
};

const requests = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const { op, ...args } of requests) {
  const before = network.length;
  const result = await ops[op](args);
  results.push({ ...result, network: network.slice(before) }); // what this request tried
}
process.stdout.write(JSON.stringify(results));
